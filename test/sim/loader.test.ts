// The stand-in for Exchange's RemoteExchange.ps1 + Connect-ExchangeServer (`--exchange local`): dot-sourced,
// it talks through Write-Host (in -NoNewline pieces) and the verbose stream, emits an empty string, and -Auto
// reaches the second server after the first fails with a non-terminating error that 'Stop' turns fatal.
import { strict as assert } from 'node:assert';
import { shellLab, type Lab } from '../helpers/imp';
import { runSimShell } from '../helpers/sim-state';

describe('ExchangeSim: the local Management Shell loader (RemoteExchange.ps1 stand-in)', function () {
  this.timeout(60_000);
  let lab: Lab;
  let r: Record<string, any>;

  before(async () => {
    lab = shellLab();
    const run = await runSimShell<Record<string, any>>(
      '',
      `
      $ErrorActionPreference = 'Continue'
      $Error.Clear()
      $before = [bool](Get-Command Get-Mailbox -ErrorAction SilentlyContinue)
      # Dot-sourced into this scope, as connect.ps1 does: the loader's functions stay behind.
      $streams = . {
          . (Join-Path $env:ExchangeInstallPath 'bin\\RemoteExchange.ps1')
          Connect-ExchangeServer -Auto -ClientApplication:ManagementShell -Verbose
      } *>&1
      $output = @($streams | Where-Object { $_ -is [string] })
      $hostLines = @($streams | Where-Object { $_ -is [System.Management.Automation.InformationRecord] } | ForEach-Object { [string]$_.MessageData })
      $verbose = @($streams | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { $_.Message })
      $errors = @($streams | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
      $mailbox = (Get-Mailbox -Identity 'svc-booking').PrimarySmtpAddress
      $ErrorActionPreference = 'Stop'
      $stop = try { Connect-ExchangeServer -Auto -ClientApplication:ManagementShell 6>$null; 'no error' } catch { $_.Exception.GetType().Name }
      [ordered]@{
          before    = $before
          output    = $output
          noNewline = @($streams | Where-Object { $_ -is [System.Management.Automation.InformationRecord] -and $_.MessageData.NoNewLine } | ForEach-Object { [string]$_.MessageData })
          host      = $hostLines
          verbose   = $verbose.Count
          errors    = @($errors | ForEach-Object { $_.Exception.GetType().Name + ': ' + $_.TargetObject })
          mailbox   = $mailbox
          stop      = $stop
      }
      `,
      null,
      { ExchangeInstallPath: lab.settings.exchangeInstallPath },
    );
    r = run.output;
  });

  after(() => lab.remove());

  it('has no Exchange cmdlets before, and Get-Mailbox after Connect-ExchangeServer -Auto', () => {
    assert.equal(r.before, false);
    assert.equal(r.mailbox, 'svc-booking@contoso.com');
  });

  it('writes its banner through Write-Host, partly with -NoNewline, talks verbosely, and outputs one empty string', () => {
    assert.ok(r.host.includes('         Welcome to the Exchange Management Shell!'), r.host.join('\n'));
    assert.ok(r.noNewline.includes('Tip of the day #'));
    assert.ok(r.host.includes('Connected to ex01.contoso.com.'));
    assert.ok(r.verbose > 0);
    assert.deepEqual(r.output, ['']);
  });

  it('reaches the second server after the first fails, with an error that only $ErrorActionPreference Stop makes fatal', () => {
    assert.deepEqual(r.errors, ['PSRemotingTransportException: ex02.contoso.com']);
    assert.equal(r.stop, 'PSRemotingTransportException');
  });
});
