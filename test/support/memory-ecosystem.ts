/**
 * Two gateways and a central, wired in one process from the core and the in-memory adapters — no emulators, no
 * sockets: the unit tests of `consumer-side`, `provider-side`, `sealer`, `log-audit` and `evidence` run on it in
 * milliseconds. The gateways join the central with signed join requests and fetch the signed global configuration
 * as deployed gateways do; only the transport is in-process (`InProcessHttpClient`).
 *
 *   consumer  TEST/GOV/1002, subsystem `client`, gateway TEST/GOV/1002/consumer-gw
 *   provider  TEST/GOV/1001, subsystem `registry`, service `persons` (an echo backend at https://backend.test/persons),
 *             gateway TEST/GOV/1001/provider-gw at https://provider.test/prod
 */
import { singleKeyRing } from '../../lambdas/core/kernel/ports';
import { centralSettingsSchema } from '../../lambdas/core/central/settings';
import { GlobalConfigurationPublisher } from '../../lambdas/core/central/publisher';
import { handleCentralRequest } from '../../lambdas/core/central/router';
import { signedJoinRequest, type GatewayRegistration } from '../../lambdas/core/central/join-request';
import type { CentralDeps } from '../../lambdas/core/central/ports';
import { handleConsumerRequest } from '../../lambdas/core/exchange/consumer-side';
import type { GatewayDeps } from '../../lambdas/core/exchange/gateway';
import type { OpmonRecord } from '../../lambdas/core/exchange/opmon';
import type { MessageProtocol } from '../../lambdas/core/exchange/protocols/protocol';
import { gatewaySettingsSchema, type AccessPolicyInput, type GatewaySettings, type GatewaySettingsInput } from '../../lambdas/core/exchange/settings';
import { FederatedConfigurations, federatedCacheOptions } from '../../lambdas/core/trust/federation';
import { GlobalConfigurationCache } from '../../lambdas/core/trust/global-configuration-cache';
import { headersOf, type HttpRequest, type HttpResponse } from '../../lambdas/core/kernel/http';
import { KmsMessageSigner, SessionKeyMessageSigner } from '../../lambdas/core/trust/message-signer';
import { handleProviderRequest } from '../../lambdas/core/exchange/provider-side';
import { runSealer, SealHealth, type SealerDeps } from '../../lambdas/core/log/sealer';
import type { SealHeader } from '../../lambdas/core/log/seal';
import type { SignedGlobalConfiguration } from '../../lambdas/core/trust/global-configuration';
import { HttpGlobalConfigurationFetcher } from '../../lambdas/adapters/http-global-configuration-fetcher';
import {
  InProcessHttpClient,
  ManualClock,
  MemoryBodyStore,
  MemoryConfigurationDistribution,
  MemoryGatewayConfig,
  MemoryMessageLog,
  MemoryOperationalMonitor,
  MemoryRegistry,
  newTestKey,
  type TestKey,
} from './memory-adapters';

export const INSTANCE = 'TEST';
export const CLIENT = 'TEST/GOV/1002/client';
export const SERVICE = 'TEST/GOV/1001/registry/persons';
export const PERSONS = `/r1/${SERVICE}`;
export const CENTRAL_URL = 'https://central.test/prod';
export const PROVIDER_URL = 'https://provider.test/prod';
export const BACKEND_HOST = 'https://backend.test';
export const BACKEND_URL = `${BACKEND_HOST}/persons`;

/** What the provider offers by default: its persons service, which the consumer's subsystem may GET anything under. */
export const DEFAULT_POLICY: AccessPolicyInput = {
  services: [{ subsystem: 'registry', code: 'persons', backendUrl: BACKEND_URL }],
  accessRights: [{ subsystem: 'registry', service: 'persons', subject: CLIENT, method: 'GET', path: '/**' }],
};

export interface MemoryGateway {
  readonly agency: string;
  readonly key: TestKey;
  readonly settings: GatewaySettings;
  /** What it joins the central with. */
  readonly registration: GatewayRegistration;
  readonly log: MemoryMessageLog;
  readonly config: MemoryGatewayConfig;
  readonly bodies: MemoryBodyStore;
  readonly deps: GatewayDeps;
  readonly sealer: SealerDeps;
  /** Its opmon records, oldest first. */
  readonly opmon: OpmonRecord[];
}

/** What the backend received, exactly; it answers with it (an echo backend). */
export interface BackendCall {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly headers: Record<string, string[]>;
  readonly body: string;
}

export interface MemoryEcosystem {
  readonly clock: ManualClock;
  readonly http: InProcessHttpClient;
  readonly centralKey: TestKey;
  readonly anchor: { instance: string; publicKey: string };
  readonly registry: MemoryRegistry;
  readonly consumer: MemoryGateway;
  readonly provider: MemoryGateway;
  readonly backendCalls: BackendCall[];
  /** Replaces the backend's answer (default: the echo of what it received, as JSON). */
  backend(answer: (request: HttpRequest) => Promise<HttpResponse>): void;
  /** Sends a request to the consumer side as an information system would (`X-Road-Client: CLIENT` unless given). */
  /** Calls the consumer side; `remainingMs` stands for the invocation's remaining time (Lambda's context). */
  call(
    path: string,
    options?: { method?: string; headers?: Record<string, string>; body?: string | Buffer; query?: string; remainingMs?: () => number },
  ): Promise<HttpResponse>;
  /** The consumer side's answer body as JSON. */
  json(response: HttpResponse): unknown;
  /** The signed global configuration the central serves now (what an evidence bundle carries). */
  signedGlobalConfiguration(): Promise<SignedGlobalConfiguration>;
  /** Lets the current window close (interval plus grace) and runs both gateways' sealers; returns the seals written. */
  sealAll(): Promise<{ consumer: SealHeader[]; provider: SealHeader[] }>;
}

export interface MemoryEcosystemOptions {
  /** Settings for both gateways (short timeouts, small log limits, KMS signing). @default none */
  readonly settings?: Partial<GatewaySettingsInput>;
  /** The provider's access policy. @default DEFAULT_POLICY */
  readonly policy?: AccessPolicyInput;
  /** Ids the gateways give messages, in order. @default random UUIDs */
  readonly ids?: () => string;
  /** The message protocols both gateways speak. @default PROTOCOLS */
  readonly protocols?: readonly MessageProtocol[];
}

export async function startMemoryEcosystem(options: MemoryEcosystemOptions = {}): Promise<MemoryEcosystem> {
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00.000Z'));
  const http = new InProcessHttpClient();
  const centralKey = newTestKey();
  const anchor = { instance: INSTANCE, publicKey: centralKey.spkiBase64 };
  const registry = new MemoryRegistry([
    { name: 'consumer-gw', account: '222222222222', member: 'TEST/GOV/1002', memberName: 'Consumer Agency' },
    { name: 'provider-gw', account: '111111111111', member: 'TEST/GOV/1001', memberName: 'Provider Agency' },
  ]);
  const centralDeps: CentralDeps = {
    settings: centralSettingsSchema.parse({ instance: INSTANCE, memberClasses: ['GOV'] }),
    registry,
    keys: singleKeyRing(centralKey),
    clock,
  };
  const publisher = new GlobalConfigurationPublisher(centralDeps, new MemoryConfigurationDistribution());
  http.route(CENTRAL_URL, (request) => handleCentralRequest(request, centralDeps, publisher));

  const gateway = (agency: string, member: string, subsystem: string, services: readonly { subsystem: string; code: string }[]): MemoryGateway => {
    const key = newTestKey();
    const keys = singleKeyRing(key);
    const settings = gatewaySettingsSchema.parse({
      instance: INSTANCE,
      gatewayId: `${member}/${agency}`,
      member,
      subsystems: [subsystem],
      centralUrl: CENTRAL_URL,
      anchor,
      ...options.settings,
    });
    const log = new MemoryMessageLog(settings.sealing.intervalSeconds);
    const config = new MemoryGatewayConfig();
    const bodies = new MemoryBodyStore();
    const monitor = new MemoryOperationalMonitor();
    const deps: GatewayDeps = {
      settings,
      keys,
      messageSigner:
        settings.signing.mode === 'kms'
          ? new KmsMessageSigner(keys, settings.gatewayId)
          : new SessionKeyMessageSigner(keys, settings.gatewayId, clock, settings.signing.sessionValiditySeconds * 1000),
      globalConfiguration: new FederatedConfigurations({
        own: new GlobalConfigurationCache({
          anchor,
          fetcher: new HttpGlobalConfigurationFetcher(http, CENTRAL_URL),
          clock,
          refreshMs: settings.globalConfRefreshSeconds * 1000,
        }),
        optIn: settings.federatedInstances,
        cacheFor: (entry) =>
          new GlobalConfigurationCache(
            federatedCacheOptions(entry, {
              fetcher: new HttpGlobalConfigurationFetcher(http, entry.centralUrl),
              clock,
              refreshMs: settings.globalConfRefreshSeconds * 1000,
            }),
          ),
      }),
      log,
      http,
      clock,
      newId: options.ids,
      accessPolicy: { current: () => config.accessPolicy() },
      descriptions: config,
      bodyStore: bodies,
      sealHealth: new SealHealth(log, settings.sealing, clock),
      monitor,
      protocols: options.protocols,
    };
    const registration = {
      agency,
      member,
      gatewayId: settings.gatewayId,
      subsystems: [subsystem],
      services: services.map(({ subsystem, code }) => ({ subsystem, code })),
    };
    return {
      agency,
      key,
      settings,
      registration,
      log,
      config,
      bodies,
      deps,
      sealer: { store: log, keys, gatewayId: settings.gatewayId, clock, settings: settings.sealing },
      opmon: monitor.records,
    };
  };
  const consumer = gateway('consumer-gw', 'TEST/GOV/1002', 'client', []);
  const provider = gateway('provider-gw', 'TEST/GOV/1001', 'registry', (options.policy ?? DEFAULT_POLICY).services ?? []);
  provider.config.setAccessPolicy(options.policy ?? DEFAULT_POLICY);
  http.route(PROVIDER_URL, (request) => handleProviderRequest(request, provider.deps));

  const backendCalls: BackendCall[] = [];
  let answer = async (request: HttpRequest): Promise<HttpResponse> => ({
    status: 200,
    headers: { 'content-type': ['application/json'] },
    body: Buffer.from(JSON.stringify(backendCalls.at(-1) ?? { method: request.method })),
  });
  http.route(BACKEND_HOST, async (request) => {
    backendCalls.push({
      method: request.method,
      rawPath: request.rawPath,
      rawQuery: request.rawQuery,
      headers: { ...request.headers } as Record<string, string[]>,
      body: request.body.toString('utf8'),
    });
    return answer(request);
  });

  // Both gateways join as their registrars do at deploy time (signed join, the deploying account's identity).
  for (const [joiner, account, url] of [
    [consumer, '222222222222', 'https://consumer.test/prod'],
    [provider, '111111111111', PROVIDER_URL],
  ] as const) {
    const request = await signedJoinRequest(joiner.registration, url, joiner.deps.keys, clock.now());
    const joined = await handleCentralRequest(
      {
        method: 'POST',
        rawPath: '/join',
        rawQuery: '',
        headers: { 'content-type': ['application/json'] },
        body: Buffer.from(JSON.stringify(request)),
        identity: { accountId: account },
      },
      centralDeps,
      publisher,
    );
    if (joined.status !== 200) throw new Error(`${joiner.agency} could not join: ${joined.body.toString('utf8')}`);
  }

  return {
    clock,
    http,
    centralKey,
    anchor,
    registry,
    consumer,
    provider,
    backendCalls,
    backend: (replacement) => {
      answer = replacement;
    },
    call: (path, call = {}) =>
      handleConsumerRequest(
        {
          method: call.method ?? 'GET',
          rawPath: path,
          rawQuery: call.query ?? '',
          headers: headersOf(Object.entries({ 'x-road-client': CLIENT, ...call.headers })),
          body: Buffer.from(call.body ?? ''),
          remainingMs: call.remainingMs,
        },
        consumer.deps,
      ),
    json: (response) => JSON.parse(response.body.toString('utf8')),
    signedGlobalConfiguration: () => new HttpGlobalConfigurationFetcher(http, CENTRAL_URL).fetch(),
    sealAll: async () => {
      const { intervalSeconds, graceSeconds } = consumer.settings.sealing;
      clock.advance((intervalSeconds + graceSeconds) * 1000);
      return { consumer: await runSealer(consumer.sealer), provider: await runSealer(provider.sealer) };
    },
  };
}
