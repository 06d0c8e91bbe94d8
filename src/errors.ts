// One error family for the whole CLI. The message leads with the reason; `suggestion` is the fix an
// admin should apply; `exitCode` follows the monitoring convention and is turned into the process
// exit status in exactly one place (src/cli.ts).

import { ExitCode } from './monitoring';

export { ExitCode };

export interface ImpErrorOptions {
  suggestion?: string;
  exitCode?: ExitCode;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class ImpError extends Error {
  readonly code: string;
  readonly suggestion?: string;
  readonly exitCode: ExitCode;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, options: ImpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.suggestion = options.suggestion;
    this.exitCode = options.exitCode ?? ExitCode.UNKNOWN;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.suggestion ? { suggestion: this.suggestion } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Bad flags, bad configuration: the command could not even start (UNKNOWN). */
export class UsageError extends ImpError {
  constructor(message: string, suggestion?: string) {
    super('USAGE', message, { suggestion, exitCode: ExitCode.UNKNOWN });
  }
}

/** A check or change that Exchange answered with a definite "no" (CRITICAL). */
export class ExchangeRefusal extends ImpError {
  constructor(code: string, message: string, options: Omit<ImpErrorOptions, 'exitCode'> = {}) {
    super(code, message, { ...options, exitCode: ExitCode.CRITICAL });
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}
