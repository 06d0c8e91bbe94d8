// Which PowerShell to start. On a Windows Exchange server that is Windows PowerShell 5.1
// (powershell.exe), where the Exchange snap-in and RemoteExchange.ps1 live; elsewhere pwsh.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
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

/** A path that exists but cannot be run: a directory, or a file without execute permission. */
export class PowerShellNotExecutableError extends ImpError {
  constructor(executable: string, directory: boolean) {
    super('POWERSHELL_NOT_EXECUTABLE', `PowerShell executable "${executable}" ${directory ? 'is a directory' : 'is not executable'}.`, {
      exitCode: ExitCode.UNKNOWN,
      suggestion: directory
        ? `Pass the program inside it, e.g. --powershell ${join(executable, process.platform === 'win32' ? 'pwsh.exe' : 'pwsh')}.`
        : `Make it executable (chmod +x '${executable}'), or pass another PowerShell with --powershell <path>.`,
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

/** An executable file (a directory is "executable" too, to access()). */
function isProgram(path: string): boolean {
  try {
    return statSync(path).isFile() && isExecutable(path);
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  const extensions = process.platform === 'win32' ? ['', '.exe'] : [''];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const extension of extensions) {
      const candidate = join(dir, name + extension);
      if (isProgram(candidate)) return candidate;
    }
  }
  return undefined;
}

/** `--powershell` beats `IMP_POWERSHELL` beats the platform default; the result is an absolute path. */
export function resolvePowerShell(requested?: string): string {
  const explicit = requested ?? process.env.IMP_POWERSHELL;
  if (explicit) {
    if (isAbsolute(explicit) || explicit.includes('/') || explicit.includes('\\')) {
      if (!existsSync(explicit)) throw new PowerShellNotFoundError(explicit, 'no such file');
      if (statSync(explicit).isDirectory()) throw new PowerShellNotExecutableError(explicit, true);
      if (!isExecutable(explicit)) throw new PowerShellNotExecutableError(explicit, false);
      return explicit;
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
  const found = findOnPath('pwsh') ?? [join(toolsDir, 'pwsh')].find(isProgram);
  if (found) return found;
  throw new PowerShellNotFoundError('pwsh', `not on PATH nor in ${toolsDir}`);
}
