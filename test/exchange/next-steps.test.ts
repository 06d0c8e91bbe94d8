// Next-step hints are complete commands: account, targets, --ca and the connection flags.
import { strict as assert } from 'node:assert';
import { shellArgument, verifyCommandLine } from '../../src/exchange/next-steps';

describe('next-step commands', () => {
  const rows: { situation: string; hint: Parameters<typeof verifyCommandLine>[0]; globals: Parameters<typeof verifyCommandLine>[1]; line: string }[] = [
    { situation: 'organisation-wide grant', hint: { account: 'svc@contoso.com', rooms: false, groups: [] }, globals: {}, line: 'imp verify --account svc@contoso.com --wait 30m' },
    {
      situation: 'scoped grant with a CA and a remote Exchange',
      hint: { account: 'svc@contoso.com', rooms: true, groups: ['Room Bookers', 'Desk-Users'], ca: 'C:\\imp\\root ca.pem' },
      globals: { exchange: 'remote', exchangeServer: 'ex01.contoso.com' },
      line: 'imp verify --account svc@contoso.com --rooms --group "Room Bookers" --group Desk-Users --wait 30m --ca "C:\\\\imp\\\\root ca.pem" --exchange remote --exchange-server ex01.contoso.com',
    },
    { situation: 'a lab module', hint: { account: 'svc@contoso.com', rooms: true, groups: [] }, globals: { exchange: 'module', exchangeModule: '/tmp/sim/ExchangeSim.psm1' }, line: 'imp verify --account svc@contoso.com --rooms --wait 30m --exchange module --exchange-module /tmp/sim/ExchangeSim.psm1' },
  ];
  for (const row of rows) it(row.situation, () => assert.equal(verifyCommandLine(row.hint, row.globals), row.line));

  it('quotes what a shell would split or expand', () => {
    assert.equal(shellArgument('Room Bookers'), '"Room Bookers"');
    assert.equal(shellArgument('a$b"c'), '"a\\$b\\"c"');
    assert.equal(shellArgument('svc@contoso.com'), 'svc@contoso.com');
  });
});
