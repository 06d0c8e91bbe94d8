// The probes' GetFolder requests are written without ews-javascript-api (src/ews/get-folder.ts): they must
// be what the library sends for the same Folder.Bind, byte for byte, and carry addresses only as data.
import { strict as assert } from 'node:assert';
import { getFolderEnvelope, type GetFolderRequest } from '../../src/ews/get-folder';
import { loadEws } from '../../src/ews/connection';

/** The envelope ews-javascript-api builds for Folder.Bind(folder, IdOnly), captured before it is sent. */
async function libraryEnvelope({ folder, mailbox, impersonate }: GetFolderRequest): Promise<string> {
  const ews = await loadEws();
  const service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2013_SP1);
  service.Credentials = new ews.WebCredentials('CONTOSO\\svc-booking', 'unused');
  service.Url = new ews.Uri('https://127.0.0.1:9/EWS/Exchange.asmx');
  let sent = '';
  service.XHRApi = {
    apiName: 'capture',
    xhr: async (options: { data?: unknown }) => {
      sent = String(options.data);
      throw new Error('captured');
    },
    xhrStream: () => Promise.reject(new Error('unused')),
    disconnect: () => undefined,
  } as unknown as typeof service.XHRApi;
  if (impersonate) service.ImpersonatedUserId = new ews.ImpersonatedUserId(ews.ConnectingIdType.SmtpAddress, impersonate);
  const name = folder === 'calendar' ? ews.WellKnownFolderName.Calendar : ews.WellKnownFolderName.Inbox;
  const id = mailbox ? new ews.FolderId(name, new ews.Mailbox(mailbox)) : new ews.FolderId(name);
  await ews.Folder.Bind(service, id, new ews.PropertySet(ews.BasePropertySet.IdOnly)).catch(() => undefined);
  return sent;
}

describe('GetFolder without the library', () => {
  const requests: GetFolderRequest[] = [
    { folder: 'calendar', mailbox: 'room1@contoso.com', impersonate: 'room1@contoso.com' },
    { folder: 'inbox', mailbox: 'svc-booking@contoso.com' },
    { folder: 'inbox' },
  ];
  for (const request of requests) {
    it(`sends what ews-javascript-api sends: ${JSON.stringify(request)}`, async () => {
      assert.equal(getFolderEnvelope(request), await libraryEnvelope(request));
    });
  }

  it('escapes an address as XML text (where the library would splice a bare & into the request)', () => {
    const envelope = getFolderEnvelope({ folder: 'calendar', mailbox: "o'neil&co<x>@contoso.com", impersonate: "o'neil&co<x>@contoso.com" });
    assert.equal(envelope.split('<t:SmtpAddress>o&apos;neil&amp;co&lt;x&gt;@contoso.com</t:SmtpAddress>').length, 2);
    assert.equal(envelope.split('<t:EmailAddress>o&apos;neil&amp;co&lt;x&gt;@contoso.com</t:EmailAddress>').length, 2);
    assert.ok(!/&co|<x>/.test(envelope));
  });
});
