// The options every command takes, declared on the root program (src/cli.ts) and read by every command
// through CommandContext; `imp schedule` carries them into the job it installs.
import type { ExchangeTarget } from './exchange/connection';

export interface GlobalOptions extends ExchangeTarget {
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  config?: string;
  powershell?: string;
  timeout?: string;
}
