// Configuration file (--config, or imp.config.json in the working directory when present).
// Validated strictly: every error names the file and the field. Flags override the file.
// It names the PowerShell imp runs, so it is trusted like code: as ssh treats a key, a file that
// someone else could have written is refused.
import { readFileSync, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { DURATION_EXAMPLES, durationMs } from './duration';
import { ImpError, UsageError } from './errors';

export const DEFAULT_CONFIG_FILE = 'imp.config.json';

/** Built on first use: zod costs ~80 ms to load, and most runs have no configuration file. */
function buildConfigSchema() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { z } = require('zod') as typeof import('zod');
  // The flags' own grammar (src/duration.ts): a value accepted here is never refused later as a bad flag.
  const duration = z.string().refine((text) => durationMs(text) !== undefined, `expected ${DURATION_EXAMPLES}`);
  return z.strictObject({
    powershell: z.string().min(1).optional(),
    exchange: z.enum(['local', 'remote', 'module']).optional(),
    exchangeServer: z.string().min(1).optional(),
    exchangeModule: z.string().min(1).optional(),
    exchangeCredential: z.string().min(1).optional(),
    timeout: duration.optional(),
    account: z.string().min(3).optional(),
    username: z.string().min(1).optional(),
    name: z.string().min(1).max(64).optional(),
    ewsUrl: z.url().optional(),
    ca: z.string().min(1).optional(),
    concurrency: z.int().min(1).max(100).optional(),
    wait: duration.optional(),
    pollInterval: duration.optional(),
    warnDays: z.int().min(0).optional(),
    criticalDays: z.int().min(0).optional(),
  });
}

let schema: ReturnType<typeof buildConfigSchema> | undefined;
export function configSchema(): ReturnType<typeof buildConfigSchema> {
  return (schema ??= buildConfigSchema());
}

export type Config = z.infer<ReturnType<typeof buildConfigSchema>>;

/**
 * Why a configuration file cannot be trusted, or undefined when it can: writable by group or others, or
 * owned by neither the user running imp nor root. Windows has no such mode bits; its ACLs are not checked.
 */
export function untrustedBecause(file: Pick<Stats, 'mode' | 'uid'>, runningUid: number | undefined): string | undefined {
  if (runningUid === undefined) return undefined;
  if (file.mode & 0o022) {
    const who = [file.mode & 0o020 ? 'its group' : '', file.mode & 0o002 ? 'every user' : ''].filter(Boolean).join(' and ');
    return `it is writable by ${who} (mode ${(file.mode & 0o777).toString(8).padStart(3, '0')})`;
  }
  if (file.uid !== runningUid && file.uid !== 0) return `it is owned by user id ${file.uid}, not by you (user id ${runningUid}) or root`;
  return undefined;
}

export class UntrustedConfigError extends ImpError {
  constructor(file: string, reason: string) {
    super('CONFIG_UNTRUSTED', `Configuration file ${file} is refused: ${reason}. It names the PowerShell imp runs, so another user could make imp run their program.`, {
      suggestion: `Make it yours and writable only by you: chown "$(id -un)" '${file}' && chmod go-w '${file}' (or pass another file with --config).`,
    });
  }
}

/** Reads the configuration file; an explicit --config must exist, the default one is optional. */
export function loadConfig(explicitPath: string | undefined, cwd = process.cwd()): { config: Config; file?: string } {
  const file = resolve(cwd, explicitPath ?? DEFAULT_CONFIG_FILE);
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch {
    if (explicitPath) throw new UsageError(`Configuration file ${file} does not exist.`, 'Check the path given to --config.');
    return { config: {} };
  }
  if (stats.isDirectory()) {
    throw new UsageError(`Configuration file ${file} is a directory.`, `Pass the JSON file itself, e.g. --config ${resolve(file, DEFAULT_CONFIG_FILE)}.`);
  }
  const untrusted = untrustedBecause(stats, process.getuid?.());
  if (untrusted) throw new UntrustedConfigError(file, untrusted);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new UsageError(`Configuration file ${file} is not valid JSON: ${(error as Error).message}`, 'Fix the JSON syntax (a trailing comma or a missing quote is the usual cause).');
  }
  const parsed = configSchema().safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path.length ? issue.path.join('.') : (issue as { keys?: string[] }).keys?.join(', ') ?? '(root)';
      return `field "${field}": ${issue.message}`;
    });
    throw new UsageError(
      `Configuration file ${file} is invalid: ${problems.join('; ')}.`,
      `Valid fields: ${Object.keys(configSchema().shape).join(', ')}.`,
    );
  }
  return { config: parsed.data, file };
}
