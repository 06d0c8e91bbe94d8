// classifyEwsError on rejection shapes the simulator does not produce, built as the library builds them.
import assert from 'node:assert/strict';
import { classifyEwsError, isExchangeOnlineHost, loadEws, responseCodeFromXml } from '../../src/ews';

describe('classifyEwsError', () => {
  before(async () => {
    await loadEws(); // lets the classifier name numeric ServiceError values
  });

  it('maps a library SoapFaultDetails for a 500 fault by its numeric ResponseCode', async () => {
    const ews = await loadEws();
    const fault = new ews.SoapFaultDetails('The account does not have permission to impersonate the requested user.');
    fault.HttpStatusCode = 500;
    (fault as unknown as { ResponseCode: number }).ResponseCode = ews.ServiceError.ErrorImpersonateUserDenied;
    const failure = classifyEwsError(fault);
    assert.deepEqual([failure.kind, failure.code, failure.httpStatus], ['impersonation-denied', 'ErrorImpersonateUserDenied', 500]);
  });

  it('treats HTTP 403 as forbidden (authentication policy)', () => {
    const failure = classifyEwsError({ message: '', HttpStatusCode: 403 }, { status: 403, headers: {} });
    assert.equal(failure.kind, 'forbidden');
    assert.match(failure.message, /authentication policy/i);
  });

  it('falls back to unauthorized for a 401 without captured headers', () => {
    assert.equal(classifyEwsError({ message: '401 Unauthorized', HttpStatusCode: 401 }).kind, 'unauthorized');
  });

  it('recognises TLS problems from the message when no error code survived', () => {
    const cases: [string, string][] = [
      ['self-signed certificate', 'self-signed'],
      ['self-signed certificate in certificate chain', 'self-signed'],
      ['unable to verify the first certificate', 'untrusted-issuer'],
      ["Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ", 'hostname-mismatch'],
      ['certificate has expired', 'expired'],
    ];
    for (const [message, problem] of cases) {
      const failure = classifyEwsError({ message });
      assert.deepEqual([failure.kind, failure.tls], ['tls', problem], message);
    }
  });

  it('maps throttling codes without a hint to server-busy without backOffMs', () => {
    const failure = classifyEwsError(
      { message: 'x', HttpStatusCode: 500 },
      { status: 500, headers: {}, body: '<detail><e:ResponseCode>ErrorExceededConnectionCount</e:ResponseCode></detail>' },
    );
    assert.deepEqual([failure.kind, failure.code, failure.backOffMs], ['server-busy', 'ErrorExceededConnectionCount', undefined]);
  });

  it('classifies unknown values as other without throwing', () => {
    assert.equal(classifyEwsError(undefined).kind, 'other');
    assert.equal(classifyEwsError('boom').message, 'boom');
    assert.equal(classifyEwsError({ message: 'x', HttpStatusCode: 302 }, { status: 302, headers: {} }).httpStatus, 302);
  });

  it('reads the first non-NoError ResponseCode, padded or not', () => {
    assert.equal(responseCodeFromXml('<m:ResponseCode>NoError</m:ResponseCode><m:ResponseCode>\n  ErrorAccessDenied\n</m:ResponseCode>'), 'ErrorAccessDenied');
    assert.equal(responseCodeFromXml('<ResponseCode> NoError </ResponseCode>'), 'NoError');
    assert.equal(responseCodeFromXml(undefined), undefined);
  });

  it('knows the Exchange Online host names', () => {
    for (const host of ['outlook.office365.com', 'OUTLOOK.OFFICE.COM', 'foo.outlook.com', 'x.office365.com', 'outlook.office365.com.']) {
      assert.equal(isExchangeOnlineHost(host), true, host);
    }
    for (const host of ['mail.contoso.com', 'outlook.contoso.com', 'office365.contoso.com', '127.0.0.1']) {
      assert.equal(isExchangeOnlineHost(host), false, host);
    }
  });
});
