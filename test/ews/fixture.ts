// A seeded organisation in a temporary state directory with the simulated EWS endpoint in front of it.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeEwsConnection, type EwsConnection } from '../../src/ews';
import { seedOrganization, type SeedOptions, type SeededOrganization } from '../../src/sim/organization';
import { startEwsServer, type EwsFaults, type EwsSimServer } from '../../src/sim/ews';
import type { CertificateOptions } from '../../src/sim/ews/certificate';
import { readState, writeState, type SimAssignment, type SimState } from '../../src/sim/state';

export interface Fixture {
  stateDir: string;
  org: SeededOrganization;
  server: EwsSimServer;
  ca: string;
  /** Service account connection trusting the simulator's CA. */
  connection: EwsConnection;
  /** Another connection to the same endpoint (closed with the fixture). */
  connect(overrides: Partial<EwsConnection>): EwsConnection;
  update(mutate: (state: SimState) => void): void;
  close(): Promise<void>;
}

export async function startFixture(
  options: { propagationMs?: number; seed?: Partial<SeedOptions>; faults?: EwsFaults; certificate?: CertificateOptions } = {},
): Promise<Fixture> {
  const stateDir = mkdtempSync(join(tmpdir(), 'imp-ews-'));
  const org = seedOrganization({ rooms: 3, users: 3, basicAuthentication: true, ewsUrl: 'https://127.0.0.1/EWS/Exchange.asmx', ...options.seed });
  writeState(stateDir, org.state);
  const server = await startEwsServer({
    stateDir,
    propagationMs: options.propagationMs ?? 60_000,
    faults: options.faults,
    certificate: options.certificate,
  });
  const ca = readFileSync(server.caFile, 'utf8');
  const connection: EwsConnection = { url: server.url, username: org.username, password: org.password, ca };
  const connections: EwsConnection[] = [connection];
  return {
    stateDir,
    org,
    server,
    ca,
    connection,
    connect(overrides) {
      const c = { ...connection, ...overrides };
      connections.push(c);
      return c;
    },
    update(mutate) {
      const state = readState(stateDir);
      mutate(state);
      writeState(stateDir, state);
    },
    async close() {
      for (const c of connections) closeEwsConnection(c);
      await server.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** An ApplicationImpersonation assignment as New-ManagementRoleAssignment would leave it in the state. */
export function impersonationAssignment(
  assigneeDn: string,
  options: {
    ageMs?: number;
    scope?: string;
    delegation?: SimAssignment['roleAssignmentDelegationType'];
    assigneeType?: SimAssignment['roleAssigneeType'];
    enabled?: boolean;
  } = {},
): SimAssignment {
  return {
    guid: randomUUID(),
    name: `ApplicationImpersonation-${randomUUID().slice(0, 8)}`,
    role: 'ApplicationImpersonation',
    roleAssignee: assigneeDn,
    roleAssigneeName: assigneeDn.replace(/^CN=([^,]+),.*$/, '$1'),
    roleAssigneeType: options.assigneeType ?? 'User',
    roleAssignmentDelegationType: options.delegation ?? 'Regular',
    customRecipientWriteScope: options.scope ?? null,
    recipientWriteScope: options.scope ? 'CustomRecipientScope' : 'Organization',
    enabled: options.enabled ?? true,
    whenCreatedUTC: new Date(Date.now() - (options.ageMs ?? 3_600_000)).toISOString(),
  };
}

export function serviceAccount(state: SimState) {
  return state.users.find((u) => u.samAccountName === 'svc-booking')!;
}

/**
 * What `imp grant --account svc-booking@contoso.com [--scope-rooms]` leaves in the state (test/commands/grant.test.ts
 * and test/exchange/exchange.test.ts prove that): for tests that need the grant, not a run of it.
 */
export function grantedState(state: SimState, options: { scopeRooms?: boolean; ageMs?: number } = {}): SimState {
  const name = `ApplicationImpersonation-${serviceAccount(state).mailbox!.primarySmtpAddress}`;
  const whenCreatedUTC = new Date(Date.now() - (options.ageMs ?? 3_600_000)).toISOString();
  const scope = options.scopeRooms ? `${name}-Scope` : undefined;
  // The filter as Exchange stores it after parsing.
  if (scope) state.scopes.push({ guid: randomUUID(), name: scope, recipientFilter: "(RecipientTypeDetails -eq 'RoomMailbox')", recipientRoot: null, exclusive: false, whenCreatedUTC });
  state.assignments.push({ ...impersonationAssignment(serviceAccount(state).distinguishedName, { ageMs: options.ageMs, scope }), name });
  return state;
}
