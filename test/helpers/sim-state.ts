// Runs PowerShell against the simulated Management Shell (ExchangeSim.psm1) directly, without the CLI.
import { spawn } from 'node:child_process';
import { PWSH } from './imp';

export interface SimShellRun<T> {
  code: number | null;
  stderr: string;
  /** The script's output, read back from JSON. ($PID inside differs from the child's pid: .tools/pwsh is a launcher.) */
  output: T;
}

// Test data arrives as base64 JSON in $Data, never spliced into script text; Get-SimError captures an
// error record's parts so a test can assert on them.
const PRELUDE = `
$ErrorActionPreference = 'Stop'
Import-Module -Name $env:IMP_TEST_MODULE
$Data = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($env:IMP_TEST_INPUT)) | ConvertFrom-Json
function Get-SimError([scriptblock] $Action) {
    try { $null = & $Action; return $null }
    catch {
        return [ordered]@{
            message  = $_.Exception.Message
            reason   = $_.CategoryInfo.Reason
            category = [string]$_.CategoryInfo.Category
            activity = $_.CategoryInfo.Activity
            errorId  = $_.FullyQualifiedErrorId
        }
    }
}
`;

/**
 * Runs `body` in one `pwsh -NoProfile -NonInteractive` process with `modulePath` imported, and returns what
 * the body outputs, converted to JSON inside PowerShell. One process per call: pwsh takes ~1 s to start,
 * so batch the checks of one scenario into one body.
 */
export function runSimShell<T>(modulePath: string, body: string, data: unknown = null, env: NodeJS.ProcessEnv = {}): Promise<SimShellRun<T>> {
  const command = `${PRELUDE}\nConvertTo-Json -Depth 10 -Compress -InputObject (& {\n${body}\n})`;
  return new Promise((resolve, reject) => {
    const child = spawn(PWSH, ['-NoProfile', '-NonInteractive', '-Command', command], {
      env: {
        ...process.env,
        IMP_SIM_STATE_DIR: undefined,
        ...env,
        IMP_TEST_MODULE: modulePath,
        IMP_TEST_INPUT: Buffer.from(JSON.stringify(data), 'utf8').toString('base64'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      // The JSON is the last line: -WhatIf and -Confirm messages go to the host, ahead of it.
      const json = stdout.trimEnd().split('\n').pop() ?? '';
      if (code !== 0 || !json) {
        reject(new Error(`pwsh exited with ${code}\nstderr: ${stderr}\nstdout: ${stdout}`));
        return;
      }
      resolve({ code, stderr, output: JSON.parse(json) as T });
    });
  });
}
