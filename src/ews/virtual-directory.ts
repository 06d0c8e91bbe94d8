// Which EWS URL to use: --ews-url when given, else the InternalUrl of an EWS virtual directory as the
// Management Shell lists it (Get-ImpEwsVirtualDirectories in templates/common.ps1). verify and
// expiry --check-login both decide it here, and both refuse plain HTTP and Exchange Online before any request.
import { UsageError } from '../errors';
import type { EwsVirtualDirectories } from '../exchange/schemas';
import { assertOnPremisesUrl } from './connection';

/**
 * The EWS URL, or a UsageError (exit 3) that says why none was found and what to pass. `found` is what the
 * Management Shell listed; undefined when it was not asked (--no-powershell).
 */
export function ewsUrlOf(given: string | undefined, found: EwsVirtualDirectories | undefined): string {
  if (given) {
    assertOnPremisesUrl(given, { flag: '--ews-url' });
    return given;
  }
  const vdir = found?.vdirs.find((v) => v.internalUrl);
  if (!vdir) throw new UsageError(`No EWS URL: ${whyNone(found)}`, 'Pass --ews-url https://<exchange server>/EWS/Exchange.asmx (or set ewsUrl in imp.config.json).');
  assertOnPremisesUrl(vdir.internalUrl!, { virtualDirectory: vdir.identity, property: 'InternalUrl' });
  return vdir.internalUrl!;
}

function whyNone(found: EwsVirtualDirectories | undefined): string {
  if (!found) return 'none was given, and without the Management Shell imp cannot look it up.';
  if (found.vdirError) return `none was given, and it could not be looked up: ${found.vdirError}`;
  if (!found.vdirs.length) return 'none was given, and Get-WebServicesVirtualDirectory lists no EWS virtual directory.';
  return `none was given, and no EWS virtual directory has an InternalUrl (${found.vdirs.map((v) => v.identity).join(', ')}).`;
}
