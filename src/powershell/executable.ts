// Which PowerShell to start. On a Windows Exchange server that is Windows PowerShell 5.1
// (powershell.exe), where the Exchange snap-in and RemoteExchange.ps1 live; elsewhere pwsh.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { toolsDir } from '../paths';
import { ImpError, ExitCode } from '../errors';

export class PowerShellNotFoundError extends ImpError {
  constructor(executable: string, searched: string) {
    super('POWERSHELL_NOT_FOUND', `PowerShell executable "${executable}" was not found (${searched}).`, {
      exitCode: ExitCode.UNKNOWN,
      suggestion:
        process.platform === 'win32'
          ? 'Run imp on the Exchange server (Windows PowerShell 5.1), or pass --powershell <path to powershell.exe or pwsh.exe>.'
          : 'Install PowerShell 7 (bash scripts/setup installs it into .tools/), or pass --powershell <path> / set IMP_POWERSHELL.',
    });
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  const extensions = process.platform === 'win32' ? ['', '.exe'] : [''];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const extension of extensions) {
      const candidate = join(dir, name + extension);
      if (existsSync(candidate) && isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** `--powershell` beats `IMP_POWERSHELL` beats the platform default; the result is an absolute path. */
export function resolvePowerShell(requested?: string): string {
  const explicit = requested ?? process.env.IMP_POWERSHELL;
  if (explicit) {
    if (isAbsolute(explicit) || explicit.includes('/') || explicit.includes('\\')) {
      if (existsSync(explicit) && isExecutable(explicit)) return explicit;
      throw new PowerShellNotFoundError(explicit, 'no such file');
    }
    const found = findOnPath(explicit);
    if (found) return found;
    throw new PowerShellNotFoundError(explicit, 'not on PATH');
  }
  if (process.platform === 'win32') {
    const found = findOnPath('powershell') ?? findOnPath('pwsh');
    if (found) return found;
    throw new PowerShellNotFoundError('powershell.exe', 'not on PATH');
  }
  const found = findOnPath('pwsh') ?? [join(toolsDir, 'pwsh')].find((p) => existsSync(p) && isExecutable(p));
  if (found) return found;
  throw new PowerShellNotFoundError('pwsh', `not on PATH nor in ${toolsDir}`);
}
