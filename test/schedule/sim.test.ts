// The simulated ScheduledTasks and event log cmdlets behave like Windows': the real parameter names, a
// password that is only ever recorded as "given", -Force to replace, and the errors a script must handle.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shellLab, type Lab } from '../helpers/imp';
import { runSimShell } from '../helpers/sim-state';

interface TaskResult {
  registered: { UserId: string; LogonType: string };
  duplicate: string;
  principalPassword: string;
  info: { LastTaskResult: number; LastRunYear: number; NextRunTime: string };
  missing: boolean;
  unregisterPrompt: string;
  remaining: number;
  eventLog: { sourceMissing: string; duplicateSource: string; entries: number };
}

describe('ExchangeSim.psm1: Task Scheduler and event log cmdlets', function () {
  this.timeout(60_000);
  let lab: Lab;
  let result: TaskResult;
  const secret = 'Task-P@ss-Marker-7f3k';

  before(async () => {
    lab = shellLab();
    const run = await runSimShell<TaskResult>(
      lab.settings.exchangeModule,
      `
      $execAction = New-ScheduledTaskAction -Execute 'C:\\node\\node.exe' -Argument '"C:\\imp\\cli.js" expiry' -WorkingDirectory 'C:\\imp'
      $trigger = New-ScheduledTaskTrigger -Daily -At ([datetime]'2026-01-01T07:00:00')
      $settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Minutes 30)
      $task = Register-ScheduledTask -TaskName 't' -TaskPath '\\imp\\' -Action $execAction -Trigger $trigger -Settings $settings -User 'CONTOSO\\mon' -Password $Data.secret
      $principal = New-ScheduledTaskPrincipal -UserId 'CONTOSO\\mon' -LogonType Password
      $info = Get-ScheduledTaskInfo -TaskName 't' -TaskPath '\\imp\\'
      [ordered]@{
          registered        = [ordered]@{ UserId = $task.Principal.UserId; LogonType = $task.Principal.LogonType }
          duplicate         = (Get-SimError { Register-ScheduledTask -TaskName 't' -TaskPath '\\imp\\' -Action $execAction -User 'CONTOSO\\mon' -Password 'x' }).message
          principalPassword = (Get-SimError { Register-ScheduledTask -TaskName 'p' -TaskPath '\\imp\\' -Action $execAction -Principal $principal }).message
          info              = [ordered]@{ LastTaskResult = $info.LastTaskResult; LastRunYear = $info.LastRunTime.Year; NextRunTime = $info.NextRunTime.ToString('HH:mm') }
          missing           = $null -eq (Get-ScheduledTask -TaskName 'nope' -ErrorAction SilentlyContinue)
          unregisterPrompt  = [string](Get-SimError { Unregister-ScheduledTask -TaskName 't' -TaskPath '\\imp\\' }).message
          remaining         = @(Unregister-ScheduledTask -TaskName 't' -TaskPath '\\imp\\' -Confirm:$false; Get-ScheduledTask -TaskPath '\\imp\\').Count
          eventLog          = [ordered]@{
              sourceMissing   = (Get-SimError { Write-EventLog -LogName Application -Source imp -EventId 1000 -EntryType Information -Message 'x' -ErrorAction Stop }).message
              duplicateSource = $(New-EventLog -LogName Application -Source imp; (Get-SimError { New-EventLog -LogName Application -Source imp -ErrorAction Stop }).message)
              entries         = $(Write-EventLog -LogName Application -Source imp -EventId 1002 -EntryType Error -Message 'y'; 1)
          }
      }
      `,
      { secret },
    );
    result = run.output;
  });
  after(() => lab.remove());

  it('registers with -User/-Password as logon type Password, and never stores or logs the password', () => {
    assert.deepEqual(result.registered, { UserId: 'CONTOSO\\mon', LogonType: 'Password' });
    for (const file of ['state.json', 'calls.jsonl']) assert.ok(!readFileSync(join(lab.settings.stateDir, file), 'utf8').includes(secret), file);
    assert.equal(lab.state().scheduledTasks?.length, 0);
  });

  it('refuses a duplicate without -Force, and a principal that would need a password', () => {
    assert.equal(result.duplicate, 'Cannot create a file when that file already exists.');
    assert.equal(result.principalPassword, 'The user name or password is incorrect.');
  });

  it('reports a task that never ran as Task Scheduler does (267011, 1999), with the next daily run', () => {
    assert.deepEqual(result.info, { LastTaskResult: 267011, LastRunYear: 1999, NextRunTime: '07:00' });
    assert.equal(result.missing, true);
  });

  it('needs -Confirm:$false to unregister in a non-interactive session', () => {
    assert.notEqual(result.unregisterPrompt, '');
    assert.equal(result.remaining, 0);
  });

  it('writes events only under a registered source, and refuses to register one twice', () => {
    assert.equal(result.eventLog.sourceMissing, 'The source name "imp" does not exist on computer "localhost".');
    assert.equal(result.eventLog.duplicateSource, 'The "imp" source is already registered on the "localhost" computer.');
    const entries = lab.state().eventLog ?? [];
    assert.deepEqual(entries.map((e) => [e.source, e.eventId, e.entryType, e.message]), [['imp', 1002, 'Error', 'y']]);
  });
});
