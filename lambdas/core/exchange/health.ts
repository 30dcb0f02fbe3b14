/**
 * `GET /health` on a gateway's consumer side: what ops (and load balancers, and the canary) need to know before the
 * gateway fails closed — X-Road's security-server health data in spirit. Each check says `ok` or why not; the
 * answer is 200 when every check is ok, 503 otherwise. It holds no payload and no secret (ages, versions, key ids).
 *
 * - `globalConfiguration`: a verified, unexpired configuration is held (its version, age, expiry), and it still
 *   lists this gateway's signing key (a removed gateway, or a key not yet published, is not healthy);
 * - `sealing`: how far the message log is sealed, the lag, and whether the gateway fails closed — read from the log
 *   table, so it also says the table is reachable;
 * - `signing`: the current signing key (or session key, with its validity) works;
 * - `federation` (only on a gateway that takes part in one): each followed instance's configuration, as
 *   `globalConfiguration` reports the own one. Reported, not counted in `status`: a partner's outage stops only its
 *   exchanges, not this gateway's.
 */
import type { GatewayDeps } from './gateway';
import type { GlobalConfiguration } from '../trust/global-configuration';
import type { HttpResponse } from '../kernel/http';
import { verifyCertificate } from '../trust/message-signer';

export const HEALTH_PATH = '/health';

type Check = { readonly ok: boolean; readonly problem?: string } & Record<string, unknown>;

export interface HealthAnswer {
  readonly status: 'ok' | 'failing';
  readonly gateway: string;
  readonly checkedAt: string;
  readonly checks: { readonly globalConfiguration: Check; readonly sealing: Check; readonly signing: Check };
  /** Per federated instance this gateway follows. */
  readonly federation?: Readonly<Record<string, Check>>;
}

export async function gatewayHealth(deps: GatewayDeps): Promise<HealthAnswer> {
  const now = deps.clock.now();
  const configuration = await deps.globalConfiguration.current().then(
    (value) => value,
    (error: Error) => error,
  );
  const [sealing, signing, federation] = await Promise.all([sealingCheck(deps), signingCheck(deps, configuration, now), federationChecks(deps, now)]);
  const checks = { globalConfiguration: configurationCheck(configuration, now), sealing, signing };
  return {
    status: Object.values(checks).every((check) => check.ok) ? 'ok' : 'failing',
    gateway: deps.settings.gatewayId,
    checkedAt: new Date(now).toISOString(),
    checks,
    ...(federation ? { federation } : {}),
  };
}

export function healthResponse(answer: HealthAnswer): HttpResponse {
  return {
    status: answer.status === 'ok' ? 200 : 503,
    headers: { 'content-type': ['application/json'], 'cache-control': ['no-store'] },
    body: Buffer.from(JSON.stringify(answer)),
  };
}

function configurationCheck(configuration: GlobalConfiguration | Error, now: number): Check {
  if (configuration instanceof Error) return { ok: false, problem: configuration.message };
  return {
    ok: true,
    version: configuration.version,
    generatedAt: new Date(configuration.generatedAtMs).toISOString(),
    ageSeconds: Math.round((now - configuration.generatedAtMs) / 1000),
    expiresAt: new Date(configuration.expiresAtMs).toISOString(),
  };
}

async function federationChecks(deps: GatewayDeps, now: number): Promise<Record<string, Check> | undefined> {
  const instances = deps.settings.federatedInstances;
  if (instances.length === 0) return undefined;
  const checks = await Promise.all(
    instances.map(async (instance) => {
      const configuration = await deps.globalConfiguration.forInstance(instance, 'Server.ClientProxy').then(
        (value) => value,
        (error: Error) => error,
      );
      return [instance, configurationCheck(configuration, now)] as const;
    }),
  );
  return Object.fromEntries(checks);
}

async function sealingCheck(deps: GatewayDeps): Promise<Check> {
  if (!deps.sealHealth) return { ok: true, configured: false };
  try {
    const status = await deps.sealHealth.status();
    if (status.failClosed)
      return {
        ...status,
        ok: false,
        problem: `The message log has not been sealed for ${status.lagSeconds} s (limit ${status.maxLagSeconds} s): messages are refused`,
      };
    return { ...status, ok: true };
  } catch (error) {
    return { ok: false, problem: `The message log cannot be read: ${(error as Error).message}` };
  }
}

async function signingCheck(deps: GatewayDeps, configuration: GlobalConfiguration | Error, now: number): Promise<Check> {
  try {
    const session = await deps.messageSigner.session();
    await session.sign(Buffer.from('sild health'));
    if (configuration instanceof Error) return { ok: true, keyId: session.keyId };
    if (session.certificate === undefined) {
      const listed = configuration.publicKey(deps.settings.gatewayId, session.keyId) !== undefined;
      return listed
        ? { ok: true, mode: 'kms', keyId: session.keyId }
        : {
            ok: false,
            mode: 'kms',
            keyId: session.keyId,
            problem: `Signing key ${session.keyId} is not listed for ${deps.settings.gatewayId} in the global configuration`,
          };
    }
    const certificate = verifyCertificate(session.certificate, configuration);
    if (!certificate)
      return {
        ok: false,
        mode: 'session',
        keyId: session.keyId,
        problem: `The session key's certificate is not signed by a key the global configuration lists for ${deps.settings.gatewayId}`,
      };
    const validSeconds = Math.round((Date.parse(certificate.notAfter) - now) / 1000);
    return {
      ok: validSeconds > 0,
      mode: 'session',
      keyId: session.keyId,
      issuerKeyId: certificate.issuerKeyId,
      validUntil: certificate.notAfter,
      validSeconds,
      ...(validSeconds > 0 ? {} : { problem: 'The session key has expired' }),
    };
  } catch (error) {
    return { ok: false, problem: `Signing fails: ${(error as Error).message}` };
  }
}
