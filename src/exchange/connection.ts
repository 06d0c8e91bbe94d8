// How imp's PowerShell session reaches the Exchange cmdlets (--exchange local|remote|module).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { requireCredential } from '../credentials/keychain';
import { UsageError } from '../errors';
import type { SetupStep } from '../powershell/session';

export type ExchangeMode = 'local' | 'remote' | 'module';

export interface ExchangeTarget {
  exchange?: ExchangeMode;
  exchangeServer?: string;
  exchangeModule?: string;
  exchangeCredential?: string;
}

/** --exchange, or what the other flags imply: a module path means module, a server remote, else local. */
export function exchangeMode(target: ExchangeTarget): ExchangeMode {
  return target.exchange ?? (target.exchangeModule ? 'module' : target.exchangeServer ? 'remote' : 'local');
}

export function exchangeSetup(target: ExchangeTarget): SetupStep {
  const mode = exchangeMode(target);
  switch (mode) {
    case 'module': {
      if (!target.exchangeModule) {
        throw new UsageError('--exchange module needs --exchange-module <path to a .psm1/.psd1>.', 'Pass the module that provides the Exchange cmdlets, e.g. the exchangeModule printed by "imp sim --json".');
      }
      const module = resolve(target.exchangeModule);
      if (!existsSync(module)) throw new UsageError(`Exchange module ${module} does not exist.`, 'Check the path given to --exchange-module.');
      return { template: 'connect', parameters: { mode, module } };
    }
    case 'remote': {
      const server = target.exchangeServer;
      if (!server || !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(server)) {
        throw new UsageError(
          server ? `--exchange-server "${server}" is not a host name.` : '--exchange remote needs --exchange-server <fqdn>.',
          'Give the fully qualified name of an Exchange server, e.g. --exchange-server ex01.contoso.com.',
        );
      }
      const credentialUser = target.exchangeCredential;
      if (!credentialUser) return { template: 'connect', parameters: { mode, server, credentialUser: null } };
      return {
        template: 'connect',
        parameters: { mode, server, credentialUser },
        // The keychain binding itself loads only now (keychain.ts imports it lazily).
        secret: async () => (await requireCredential(credentialUser, false)).password,
      };
    }
    case 'local':
      return { template: 'connect', parameters: { mode } };
  }
}
