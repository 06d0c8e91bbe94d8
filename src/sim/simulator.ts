// imp sim: a simulated Exchange in a state directory — the Management Shell module (ExchangeSim.psm1)
// and the HTTPS EWS endpoint, both over one state.json.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { packageRoot } from '../paths';
import { applyPasswordExpiry, generatePassword, seedOrganization, type SeedOptions } from './organization';
import { hashPassword, readState, STATE_FILE, writeState } from './state';

/** The module folder: ExchangeSim.psm1 dot-sources one file per noun from it. */
export const SIM_MODULE_DIR = join(packageRoot, 'src', 'sim', 'exchange');
export const SIM_MODULE_SOURCE = join(SIM_MODULE_DIR, 'ExchangeSim.psm1');
/** Where the module folder goes inside a state directory; the module finds state.json one level up. */
export const SIM_MODULE_FOLDER = 'ExchangeSim';
/** The stand-in for Exchange's bin\\RemoteExchange.ps1 (`--exchange local`), installed as <state>/ExchangeServer/bin/. */
export const SIM_LOADER_DIR = join(packageRoot, 'src', 'sim', 'loader');
export const SIM_INSTALL_FOLDER = 'ExchangeServer';
const SERVICE_ACCOUNT = 'svc-booking';

export interface SimulatorOptions {
  stateDir?: string;
  rooms: number;
  users: number;
  basicAuthentication: boolean;
  propagationMs: number;
  passwordExpiry?: SeedOptions['passwordExpiry'];
  password?: string;
}

export interface SimulatorSettings {
  stateDir: string;
  exchangeModule: string;
  /** $env:ExchangeInstallPath for `--exchange local` (with a trailing separator, as Exchange sets it). */
  exchangeInstallPath: string;
  account: string;
  alias: string;
  username: string;
  password: string;
  propagationMs: number;
  ewsUrl?: string;
  caFile?: string;
}

export interface Simulator {
  settings: SimulatorSettings;
  stop(): Promise<void>;
}

/** Creates (or re-opens) the state directory and installs the module into it. */
export function prepareState(options: SimulatorOptions, ewsUrl: string): SimulatorSettings {
  const stateDir = resolve(options.stateDir ?? mkdtempSync(join(tmpdir(), 'imp-sim-')));
  const password = options.password ?? generatePassword();
  let account: string;
  let alias: string;
  let username: string;
  if (existsSync(join(stateDir, STATE_FILE))) {
    // Re-opened lab: keep the organisation, give the service account a fresh password (only hashes are stored).
    const state = readState(stateDir);
    const service = state.users.find((u) => u.samAccountName === SERVICE_ACCOUNT)!;
    service.passwordHash = hashPassword(password);
    if (options.passwordExpiry !== undefined) applyPasswordExpiry(service, options.passwordExpiry, new Date(), state.organization.maxPasswordAgeDays);
    for (const vdir of state.webServicesVirtualDirectories) vdir.internalUrl = ewsUrl;
    writeState(stateDir, state);
    account = service.mailbox!.primarySmtpAddress;
    alias = service.mailbox!.emailAddresses.find((a) => a.startsWith('smtp:'))!.slice(5);
    username = service.userPrincipalName;
  } else {
    const seeded = seedOrganization({ ...options, password, ewsUrl });
    writeState(stateDir, seeded.state);
    ({ account, alias, username } = seeded);
  }
  const moduleDir = join(stateDir, SIM_MODULE_FOLDER);
  // Replaced whole, so a re-opened lab never keeps a file the module no longer has.
  rmSync(moduleDir, { recursive: true, force: true });
  cpSync(SIM_MODULE_DIR, moduleDir, { recursive: true });
  const exchangeModule = join(moduleDir, 'ExchangeSim.psm1');
  const installDir = join(stateDir, SIM_INSTALL_FOLDER);
  rmSync(installDir, { recursive: true, force: true });
  cpSync(SIM_LOADER_DIR, installDir, { recursive: true });
  const exchangeInstallPath = installDir + sep;
  return { stateDir, exchangeModule, exchangeInstallPath, account, alias, username, password, propagationMs: options.propagationMs };
}

export interface StartOptions extends SimulatorOptions {
  latencyMs?: number;
}

/** The whole simulated Exchange: state, module, and the HTTPS EWS endpoint sharing that state. */
export async function startSimulator(options: StartOptions): Promise<Simulator> {
  const settings = prepareState(options, 'https://127.0.0.1:0/EWS/Exchange.asmx');
  const { startEwsServer } = await import('./ews');
  const ews = await startEwsServer({
    stateDir: settings.stateDir,
    propagationMs: options.propagationMs,
    faults: options.latencyMs ? { latencyMs: options.latencyMs } : undefined,
  });
  // The vdir's InternalUrl is where `imp verify` finds EWS when no --ews-url is given.
  const state = readState(settings.stateDir);
  for (const vdir of state.webServicesVirtualDirectories) vdir.internalUrl = ews.url;
  writeState(settings.stateDir, state);
  return {
    settings: { ...settings, ewsUrl: ews.url, caFile: ews.caFile },
    stop: () => ews.close(),
  };
}
