/**
 * Builds a gateway's dependencies from its settings and AWS clients. The Lambda entry files call it once per
 * process with clients for the real AWS; the local runtime calls it once per agency with clients for dynalite and
 * the local KMS endpoint — the same adapters either way.
 */
import { KmsSigner } from '../adapters/kms-signer';
import { DynamoDbMessageLog } from '../adapters/dynamodb-message-log';
import { S3BodyStore } from '../adapters/s3-body-store';
import { NodeHttpClient } from '../adapters/node-http-client';
import { HttpGlobalConfigurationFetcher } from '../adapters/http-global-configuration-fetcher';
import type { AwsClients } from '../adapters/aws-clients';
import { GlobalConfigurationCache } from '../core/global-configuration-cache';
import type { GatewayDeps } from '../core/gateway';
import { CachedAccessPolicy } from '../core/access-policy';
import { KmsMessageSigner, SessionKeyMessageSigner } from '../core/message-signer';
import { SealHealth, type SealerDeps } from '../core/sealer';
import { parseGatewaySettings } from '../core/gateway-settings';
import { systemClock, type Clock, type HttpClient } from '../core/ports';

export interface GatewayEnvironment {
  /** JSON of `GatewaySettings`. */
  readonly SILD_GATEWAY_SETTINGS?: string;
  readonly SILD_SIGNING_KEY_ID?: string;
  readonly SILD_MESSAGE_LOG_TABLE?: string;
  readonly SILD_LOG_RETENTION_DAYS?: string;
  /** The gateway's body store (S3 bucket). */
  readonly SILD_BODY_BUCKET?: string;
}

export interface GatewayDepsOptions {
  readonly clock?: Clock;
  readonly http?: HttpClient;
  readonly events?: GatewayDeps['events'];
}

function required(env: GatewayEnvironment, name: keyof GatewayEnvironment): string {
  const value = env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** A gateway's dependencies, plus what its sealer needs (the same log table is the seal store). */
export interface GatewayRuntime extends GatewayDeps {
  readonly log: DynamoDbMessageLog;
  readonly sealer: SealerDeps;
}

export function createGatewayDeps(env: GatewayEnvironment, clients: AwsClients, options: GatewayDepsOptions = {}): GatewayRuntime {
  const settings = parseGatewaySettings(JSON.parse(required(env, 'SILD_GATEWAY_SETTINGS')));
  const clock = options.clock ?? systemClock;
  const http = options.http ?? new NodeHttpClient();
  const events = options.events;
  const signer = new KmsSigner(clients.kms, required(env, 'SILD_SIGNING_KEY_ID'));
  const log = new DynamoDbMessageLog(clients.dynamodb, required(env, 'SILD_MESSAGE_LOG_TABLE'), {
    retentionDays: env.SILD_LOG_RETENTION_DAYS ? Number(env.SILD_LOG_RETENTION_DAYS) : undefined,
    sealing: settings.sealing,
  });
  return {
    settings,
    clock,
    http,
    events,
    signer,
    messageSigner:
      settings.signing.mode === 'kms'
        ? new KmsMessageSigner(signer, settings.gatewayId)
        : new SessionKeyMessageSigner(signer, settings.gatewayId, clock, settings.signing.sessionValiditySeconds * 1000),
    log,
    bodyStore: env.SILD_BODY_BUCKET ? new S3BodyStore(clients.s3, env.SILD_BODY_BUCKET, { endpoint: clients.s3Endpoint, clock }) : undefined,
    accessPolicy: new CachedAccessPolicy(() => log.accessPolicy(), clock),
    descriptions: { get: (subsystem, code) => log.serviceDescription(subsystem, code) },
    sealHealth: new SealHealth(log, settings.sealing, clock),
    sealer: { store: log, signer, gatewayId: settings.gatewayId, clock, settings: settings.sealing },
    globalConfiguration: new GlobalConfigurationCache({
      anchor: settings.anchor,
      fetcher: new HttpGlobalConfigurationFetcher(http, settings.centralUrl),
      clock,
      refreshMs: settings.globalConfRefreshSeconds * 1000,
      onRefreshError: (error) => events?.('globalconf-refresh-failed', { reason: String(error) }),
    }),
  };
}
