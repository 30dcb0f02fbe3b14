/**
 * The gateway process of the benchmark (forked by `bench/run.ts`): runs the local ecosystem — the central API and
 * every agency's consumer and provider gateways behind their local API fronts — against emulators that run in
 * another process. So `process.cpuUsage()` here is the gateways' CPU time (plus their API fronts' and the
 * central's, which is idle between configuration refreshes), never the emulators' or the load generator's.
 *
 * Besides CPU time it measures, per request kind:
 * - every AWS API call, per operation (`AwsCallCounter` on the shared SDK clients), split into `gateway` and
 *   `central` by table name and key id;
 * - each API front's request wall time (Node's `http.server.*` diagnostics channels), by front — the stand-in
 *   for a Lambda invocation's billed duration.
 *
 * Requests (see `serveRequests`): `start` {config, emulators} → endpoints; `snapshot` → counters; `stop`.
 * Gateway events go to Powertools Logger as in Lambda (`lambdas/adapters/powertools-events.ts`); this process's stdout is discarded.
 */
import { subscribe } from 'node:diagnostics_channel';
import { type IncomingMessage, type Server } from 'node:http';
import { LOCAL_CREDENTIALS } from '../lib/local/emulators';
import type { AddressInfo } from 'node:net';
import { CreateKeyCommand, DescribeKeyCommand, SignCommand } from '@aws-sdk/client-kms';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbPutItemClient } from '../lambdas/adapters/dynamodb-put-item';
import { NodeHttpClient } from '../lambdas/adapters/node-http-client';
import { MESSAGE_LOG_TABLE, REGISTRY_TABLE } from '../lambdas/adapters/tables';
import { ensureTable } from '../lib/local/dynamodb';
import { parseEcosystemConfig } from '../lib/config/ecosystem-config';
import type { EmulatorEndpoints } from '../lib/local/emulators';
import { LOCAL_REGION, registryTableName, signingKeyAlias, startLocalEcosystem, type LocalEcosystem } from '../lib/local/ecosystem';
import { configurationBucketName } from '../lib/local/names';
import { silenceSdkNodeVersionWarning } from '../lib/local/sdk-warnings';
import { lambdaEvents } from '../lambdas/adapters/powertools-events';
import { AwsCallCounter, type CallCounts, type MiddlewareClient } from './aws-call-counter';
import { cpuMs, serveRequests } from './child';

export interface GatewayStartRequest {
  /** The ecosystem config (raw JSON, validated again here). */
  readonly config: unknown;
  /** The secret the emulators' process derived the function principals' credentials from. */
  readonly iamSecret: string;
  readonly emulators: EmulatorEndpoints;
  /** The consumer and provider agencies of the benchmarked exchange. */
  readonly consumerAgency: string;
  readonly providerAgency: string;
  /** A URL to GET for the fetch calibration (the backend). */
  readonly calibrationUrl: string;
}

/** CPU per single call of what an exchange is made of, measured in this process before the load. */
export interface Calibration {
  /** One KMS `Sign` of a 600-byte manifest through the SDK client, ms. */
  readonly kmsSignCpuMs: number;
  /** One conditional `PutItem` of a ~1 KB item through the document client, ms. */
  readonly dynamoPutCpuMs: number;
  /** One `fetch` GET round trip (the gateways' HTTP client), ms. */
  readonly fetchCpuMs: number;
  /**
   * The same conditional `PutItem` without the SDK: the JSON body built by hand, signed with `@smithy/signature-v4`
   * and sent with `node:http` on a keep-alive agent — what a lighter hot-path client would cost, ms.
   */
  readonly bareDynamoPutCpuMs: number;
}

export interface GatewayEndpoints {
  readonly consumerUrl: string;
  readonly providerUrl: string;
  readonly centralUrl: string;
  readonly calibration: Calibration;
}

/** Requests and request wall time of one API front. */
export interface FrontTiming {
  /** Requests received (the message count: a request aborted by the client still cost its work). */
  started: number;
  /** Responses finished, and their total wall time. */
  requests: number;
  totalMs: number;
}

export interface GatewaySnapshot {
  /** CPU time of this process so far, ms. */
  readonly cpu: { user: number; system: number };
  readonly calls: CallCounts;
  /** By front: `consumer`, `provider`, `central`, `other`. */
  readonly fronts: Record<string, FrontTiming>;
  readonly heapUsedMb: number;
}

silenceSdkNodeVersionWarning();

let ecosystem: LocalEcosystem | undefined;
const frontOfPort = new Map<number, string>();
const fronts: Record<string, FrontTiming> = {};
const started = new WeakMap<IncomingMessage, bigint>();

// API front request wall time: from parsed request headers to the end of the response.
const timingOf = (server: Server) => {
  const front = frontOfPort.get((server.address() as AddressInfo | null)?.port ?? -1) ?? 'other';
  return (fronts[front] ??= { started: 0, requests: 0, totalMs: 0 });
};
subscribe('http.server.request.start', (message) => {
  const { request, server } = message as { request: IncomingMessage; server: Server };
  started.set(request, process.hrtime.bigint());
  timingOf(server).started += 1;
});
subscribe('http.server.response.finish', (message) => {
  const { request, server } = message as { request: IncomingMessage; server: Server };
  const start = started.get(request);
  if (start === undefined) return;
  const timing = timingOf(server);
  timing.requests += 1;
  timing.totalMs += Number(process.hrtime.bigint() - start) / 1e6;
});

const portOf = (url: string) => Number(new URL(url).port);

async function start(request: GatewayStartRequest): Promise<GatewayEndpoints> {
  const config = parseEcosystemConfig(request.config, 'benchmark config');
  ecosystem = await startLocalEcosystem({
    config,
    ephemeralPorts: true,
    emulatorEndpoints: request.emulators,
    iamSecret: request.iamSecret,
    sampleBackend: false,
    canaryOnTimer: false,
    events: lambdaEvents('sild-gateway'),
  });
  const consumer = ecosystem.agencies[request.consumerAgency];
  const provider = ecosystem.agencies[request.providerAgency];
  if (!consumer || !provider) throw new Error(`Unknown agency ${request.consumerAgency} or ${request.providerAgency}`);
  frontOfPort.set(portOf(consumer.consumerUrl), 'consumer');
  frontOfPort.set(portOf(provider.providerUrl), 'provider');
  frontOfPort.set(portOf(ecosystem.centralUrl), 'central');

  // Calls on the central's registry table or with the central key are the central's; everything else the gateways'.
  const centralKey = (await ecosystem.clients.kms.send(new DescribeKeyCommand({ KeyId: signingKeyAlias('central') }))).KeyMetadata!;
  const centralKeyIds = new Set([centralKey.Arn, centralKey.KeyId, signingKeyAlias('central')]);
  const calibration = await calibrate(ecosystem, request.calibrationUrl);
  recalibrate = () => calibrate(ecosystem!, request.calibrationUrl);
  const counter = new AwsCallCounter(
    (service, _operation, input) => {
      if (service === 'kms') return centralKeyIds.has(String(input.KeyId)) ? 'central' : 'gateway';
      if (service === 's3') return input.Bucket === configurationBucketName ? 'central' : 'gateway';
      return input.TableName === registryTableName ? 'central' : 'gateway';
    },
    (table) => (table === registryTableName ? REGISTRY_TABLE : MESSAGE_LOG_TABLE),
  );
  // Every function's own clients (each calls as its own principal), and the operator's (deploy-time writes).
  for (const clients of [ecosystem.clients, ...Object.values(ecosystem.functionClients)]) {
    counter.install(clients.kms as unknown as MiddlewareClient, 'kms');
    counter.install(clients.dynamodb as unknown as MiddlewareClient, 'dynamodb');
    if (clients.logWriter instanceof DynamoDbPutItemClient) counter.installWriter(clients.logWriter);
    counter.install(clients.s3 as unknown as MiddlewareClient, 's3');
  }
  snapshotCalls = () => counter.snapshot();
  return { consumerUrl: consumer.consumerUrl, providerUrl: provider.providerUrl, centralUrl: ecosystem.centralUrl, calibration };
}

/** The calibration again, in the warm process (after the scenarios: JIT-compiled, connections open). */
let recalibrate: () => Promise<Calibration> = async () => {
  throw new Error('Not started');
};

/** CPU ms per call of `call`, over `count` sequential calls after as many unmeasured ones (warm-up). */
async function cpuPerCall(count: number, call: (index: number) => Promise<unknown>): Promise<number> {
  for (let index = 0; index < count; index += 1) await call(-index - 1);
  const before = process.cpuUsage();
  for (let index = 0; index < count; index += 1) await call(index);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / count;
}

/** The unit costs an exchange is made of, on the same clients and emulators (a throw-away key and table). */
async function calibrate(running: LocalEcosystem, url: string, count = 200): Promise<Calibration> {
  const { kms, dynamodb } = running.clients;
  const keyId = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'benchmark calibration' })))
    .KeyMetadata!.KeyId!;
  const table = 'sild-bench-calibration';
  await ensureTable(dynamodb as never, table, REGISTRY_TABLE);
  const manifest = Buffer.alloc(600, 'm');
  const http = new NodeHttpClient();
  const run = `${Date.now()}`;
  // The message log's own SDK-less writer (ADR 0009), on its own connection like the SDK client above.
  const bare = new DynamoDbPutItemClient({ endpoint: running.emulatorEndpoints.dynamodbUrl, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return {
    kmsSignCpuMs: await cpuPerCall(count, () =>
      kms.send(new SignCommand({ KeyId: keyId, Message: manifest, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' })),
    ),
    dynamoPutCpuMs: await cpuPerCall(count, (index) =>
      dynamodb.send(
        new PutCommand({
          TableName: table,
          Item: { pk: `${run}#${index}`, sk: 'consumer#request', padding: 'p'.repeat(900), loggedAt: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ),
    fetchCpuMs: await cpuPerCall(count, () => http.send({ method: 'GET', url, headers: {}, body: Buffer.alloc(0), timeoutMs: 10_000 })),
    bareDynamoPutCpuMs: await cpuPerCall(count, (index) =>
      bare.putItem({
        TableName: table,
        Item: { pk: `${run}#bare#${index}`, sk: 'consumer#request', padding: 'p'.repeat(900), loggedAt: new Date().toISOString() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  };
}

let snapshotCalls: () => CallCounts = () => ({});

function snapshot(): GatewaySnapshot {
  return {
    cpu: cpuMs(),
    calls: snapshotCalls(),
    fronts: JSON.parse(JSON.stringify(fronts)) as Record<string, FrontTiming>,
    heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
  };
}

async function stop(): Promise<void> {
  const running = ecosystem;
  ecosystem = undefined;
  await running?.stop();
}

serveRequests(
  {
    start: (payload) => start(payload as GatewayStartRequest),
    snapshot: () => snapshot(),
    calibrate: () => recalibrate(),
    stop: async () => {
      await stop();
      setImmediate(() => process.exit(0));
      return true;
    },
  },
  stop,
);
process.once('SIGTERM', () => void stop().finally(() => process.exit(0)));
