/**
 * The canary: a synthetic exchange through the whole layer, on a schedule, so that a broken gateway is noticed before
 * an agency's information system notices it. The gateway's first subsystem calls its own `listMethods` (a metadata
 * service every member may call) through its consumer side — signed, logged, sent to its own provider side over the
 * network, verified, logged — and the health checks are read. It acts as the gateway itself (no IAM principal), so it
 * needs nothing an information system would.
 */
import { handleConsumerRequest } from './consumer-side';
import type { GatewayDeps } from './gateway';
import { gatewayHealth, type HealthAnswer } from './health';
import { headersOf } from '../kernel/http';
import { formatClientId, parseClientId } from '../kernel/identifiers';
import { XROAD } from './xroad-headers';

export interface CanaryResult {
  readonly ok: boolean;
  readonly exchange: { readonly status: number; readonly errorType?: string; readonly durationMs: number };
  readonly health: HealthAnswer;
  /** The figures the alarms watch. */
  readonly figures: {
    readonly globalConfAgeSeconds?: number;
    /** Age as a share of the configuration's validity, in percent. */
    readonly globalConfAgePercent?: number;
    readonly sealLagSeconds?: number;
    readonly sessionValiditySeconds?: number;
  };
}

export async function runCanary(deps: GatewayDeps): Promise<CanaryResult> {
  const subsystem = formatClientId({ ...parseClientId(deps.settings.member), subsystemCode: deps.settings.subsystems[0] });
  const started = deps.clock.now();
  const response = await handleConsumerRequest(
    { method: 'GET', rawPath: `/r1/${subsystem}/listMethods`, rawQuery: '', headers: headersOf([[XROAD.client, subsystem]]), body: Buffer.alloc(0) },
    { ...deps, settings: { ...deps.settings, consumerPrincipals: undefined } },
  );
  const durationMs = deps.clock.now() - started;
  const health = await gatewayHealth(deps);
  const { globalConfiguration, sealing, signing } = health.checks;
  const expiresAt = typeof globalConfiguration.expiresAt === 'string' ? Date.parse(globalConfiguration.expiresAt) : undefined;
  const generatedAt = typeof globalConfiguration.generatedAt === 'string' ? Date.parse(globalConfiguration.generatedAt) : undefined;
  const errorType = response.headers[XROAD.error]?.[0];
  return {
    ok: response.status === 200 && errorType === undefined && health.status === 'ok',
    exchange: { status: response.status, ...(errorType ? { errorType } : {}), durationMs },
    health,
    figures: {
      globalConfAgeSeconds: numberOr(globalConfiguration.ageSeconds),
      globalConfAgePercent:
        expiresAt !== undefined && generatedAt !== undefined && expiresAt > generatedAt
          ? Math.round((100 * (started - generatedAt)) / (expiresAt - generatedAt))
          : undefined,
      sealLagSeconds: numberOr(sealing.lagSeconds),
      sessionValiditySeconds: numberOr(signing.validSeconds),
    },
  };
}

const numberOr = (value: unknown) => (typeof value === 'number' ? value : undefined);
