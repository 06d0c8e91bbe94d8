// Configuration file (--config, or imp.config.json in the working directory when present).
// Validated strictly: every error names the file and the field. Flags override the file.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { UsageError } from './errors';

export const DEFAULT_CONFIG_FILE = 'imp.config.json';

/** Built on first use: zod costs ~80 ms to load, and most runs have no configuration file. */
function buildConfigSchema() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { z } = require('zod') as typeof import('zod');
  const duration = z.string().regex(/^(\d+(\.\d+)?)((ms|s|m|h|d)(\d+(\.\d+)?)?)*$/, 'a duration such as 30s, 5m or 1h');
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

/** Reads the configuration file; an explicit --config must exist, the default one is optional. */
export function loadConfig(explicitPath: string | undefined, cwd = process.cwd()): { config: Config; file?: string } {
  const file = resolve(cwd, explicitPath ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) {
    if (explicitPath) throw new UsageError(`Configuration file ${file} does not exist.`, 'Check the path given to --config.');
    return { config: {} };
  }
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
