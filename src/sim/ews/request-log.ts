// What the simulated endpoint saw, for tests and for checking a run afterwards. Records the Basic user
// name only: the Authorization header and the password are never written anywhere.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

export const REQUEST_LOG_FILE = 'ews-requests.jsonl';

export interface EwsRequestLogEntry {
  time: string;
  /** The Basic user name as sent (UPN, DOMAIN\sam or SMTP address), or null when none was sent. */
  user: string | null;
  /** The SOAP Body's first element, or null when the request never got that far. */
  operation: string | null;
  impersonated?: string;
  mailbox?: string;
  status: number;
  /**
   * The EWS ResponseCode (first non-NoError one), or for responses without SOAP: Unauthorized,
   * AccountLockedOut, BasicAuthDisabled, ServiceUnavailable, NotFound.
   */
  responseCode: string;
}

export class RequestLog {
  readonly entries: EwsRequestLogEntry[] = [];
  readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, REQUEST_LOG_FILE);
  }

  append(entry: EwsRequestLogEntry): void {
    this.entries.push(entry);
    // Synchronous append keeps the file in request order and readable the moment a response is sent.
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`, 'utf8');
  }
}
