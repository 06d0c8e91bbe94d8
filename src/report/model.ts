// What a verify report for a change ticket holds: who ran what against which Exchange, when, and what
// came out. Built from verify's evidence and verdict; rendered as self-contained HTML or Markdown.

export type ReportLevel = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

export interface ReportCheck {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  message: string;
  fix?: string;
  code?: string;
}

export interface ReportMailbox {
  address: string;
  status: 'pass' | 'fail';
  /** EWS response code (ErrorImpersonateUserDenied, …), or NoError for a pass. */
  code: string;
}

export interface ReportEvent {
  /** Epoch ms. */
  at: number;
  what: string;
}

export interface VerifyReport {
  status: ReportLevel;
  generatedAt: Date;
  impVersion: string;
  /** user@host that ran imp. */
  operator: string;
  /** Exchange server(s) behind the EWS virtual directories, or --exchange-server. */
  server: string;
  /** How the Management Shell was reached: local, remote <fqdn>, module <path>, or not at all. */
  connection: string;
  ewsUrl: string;
  account: string;
  /** The PowerShell imp ran, exactly as `imp script` prints it. */
  commands: { title: string; script: string }[];
  assignments: { name: string; via: string; createdAt: string | null; scope: string }[];
  checks: ReportCheck[];
  mailboxes: ReportMailbox[];
  /** Assignment created, wait started, each probe, the end. */
  timeline: ReportEvent[];
}
