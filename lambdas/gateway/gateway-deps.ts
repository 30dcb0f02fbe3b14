/**
 * Builds a gateway's dependencies from its deployment (`deployment-contract.ts`) and AWS clients. The Lambda entry
 * files call it once per process with clients for the real AWS; the local runtime calls it once per agency with
 * clients for dynalite and the local KMS and S3 endpoints — the same adapters either way.
 */
import type { AwsClients } from '../adapters/aws-clients';
import { DynamoDbGatewayConfig } from '../adapters/dynamodb-gateway-config';
import { DynamoDbMessageLog } from '../adapters/dynamodb-message-log';
import { DynamoDbSealStore } from '../adapters/dynamodb-seal-store';
import { DynamoDbStreamFeed } from '../adapters/dynamodb-stream-feed';
import { HttpGlobalConfigurationFetcher } from '../adapters/http-global-configuration-fetcher';
import { DynamoDbConfigurationArchive } from '../adapters/dynamodb-configuration-archive';
import { DynamoDbGatewayKeys } from '../adapters/dynamodb-gateway-keys';
import { KmsKeyRing } from '../adapters/kms-key-ring';
import { NodeHttpClient } from '../adapters/node-http-client';
import { S3BodyStore } from '../adapters/s3-body-store';
import { CachedAccessPolicy } from '../core/exchange/access-policy';
import type { GatewayDeps } from '../core/exchange/gateway';
import type { GatewaySettings } from '../core/exchange/settings';
import { FederatedConfigurations, federatedCacheOptions } from '../core/trust/federation';
import { GlobalConfigurationCache } from '../core/trust/global-configuration-cache';
import { KmsMessageSigner, SessionKeyMessageSigner } from '../core/trust/message-signer';
import { systemClock, type Clock, type HttpClient } from '../core/kernel/ports';
import { SealHealth, type SealerDeps } from '../core/log/sealer';
import { deploymentKeyRing, type GatewayDeployment } from '../deployment-contract';

export interface GatewayDepsOptions {
  readonly clock?: Clock;
  readonly http?: HttpClient;
  readonly events?: GatewayDeps['events'];
  /** Where opmon records go. @default - none */
  readonly monitor?: GatewayDeps['monitor'];
}

/** A gateway's dependencies, with its table's adapters by role and what its sealer needs. */
export interface GatewayRuntime extends GatewayDeps {
  readonly log: DynamoDbMessageLog;
  readonly seals: DynamoDbSealStore;
  /** What the deployment wrote (access policy, service descriptions); the local runtime writes it here. */
  readonly config: DynamoDbGatewayConfig;
  /** The signing key ring as the operator's rotation writes it. */
  readonly keyRing: DynamoDbGatewayKeys;
  /** The configurations this gateway accepted: the newest, and one per key set (for evidence and audits). */
  readonly archive: DynamoDbConfigurationArchive;
  readonly sealer: SealerDeps;
}

export function createGatewayDeps(
  deployment: GatewayDeployment<GatewaySettings>,
  clients: AwsClients,
  options: GatewayDepsOptions = {},
): GatewayRuntime {
  const { settings } = deployment;
  const clock = options.clock ?? systemClock;
  const http = options.http ?? new NodeHttpClient();
  const events = options.events;
  const keyRing = new DynamoDbGatewayKeys(clients.dynamodb, deployment.messageLogTable);
  const keys = new KmsKeyRing(
    () => clients.kms,
    () => keyRing.state(),
    deploymentKeyRing(deployment),
    clock,
    settings.keyRingRefreshSeconds * 1000,
  );
  const archive = new DynamoDbConfigurationArchive(clients.dynamodb, deployment.messageLogTable);
  const log = new DynamoDbMessageLog(clients.dynamodb, deployment.messageLogTable, {
    retentionDays: deployment.logRetentionDays,
    sealing: settings.sealing,
    writer: clients.logWriter,
  });
  const seals = new DynamoDbSealStore(clients.dynamodb, deployment.messageLogTable, settings.sealing);
  const config = new DynamoDbGatewayConfig(clients.dynamodb, deployment.messageLogTable);
  return {
    settings,
    clock,
    http,
    events,
    monitor: options.monitor,
    keys,
    keyRing,
    archive,
    messageSigner:
      settings.signing.mode === 'kms'
        ? new KmsMessageSigner(keys, settings.gatewayId)
        : new SessionKeyMessageSigner(keys, settings.gatewayId, clock, settings.signing.sessionValiditySeconds * 1000),
    log,
    seals,
    config,
    bodyStore: new S3BodyStore(() => clients.s3, deployment.bodyBucket, { endpoint: clients.s3Endpoint, clock }),
    accessPolicy: new CachedAccessPolicy(() => config.accessPolicy(), clock),
    descriptions: config,
    sealHealth: new SealHealth(seals, settings.sealing, clock),
    sealer: {
      store: seals,
      keys,
      gatewayId: settings.gatewayId,
      clock,
      settings: settings.sealing,
      feed: new DynamoDbStreamFeed(() => clients.dynamodbStreams, deployment.messageLogTable, clock),
    },
    globalConfiguration: new FederatedConfigurations({
      own: new GlobalConfigurationCache({
        anchor: settings.anchor,
        fetcher: new HttpGlobalConfigurationFetcher(http, settings.centralUrl, { sources: settings.globalConfSources }),
        clock,
        refreshMs: settings.globalConfRefreshSeconds * 1000,
        archive,
        onRefreshError: (error) => events?.('globalconf-refresh-failed', { reason: String(error) }),
      }),
      optIn: settings.federatedInstances,
      cacheFor: (entry) =>
        new GlobalConfigurationCache(
          federatedCacheOptions(entry, {
            fetcher: new HttpGlobalConfigurationFetcher(http, entry.centralUrl, { sources: entry.configurationUrl ? [entry.configurationUrl] : [] }),
            clock,
            refreshMs: settings.globalConfRefreshSeconds * 1000,
            archive: new DynamoDbConfigurationArchive(clients.dynamodb, deployment.messageLogTable, entry.instance),
            onRefreshError: (error) => events?.('globalconf-refresh-failed', { instance: entry.instance, reason: String(error) }),
          }),
        ),
    }),
  };
}
