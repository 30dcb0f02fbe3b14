/**
 * What the `sild` CLI works on: one gateway's message log (its DynamoDB table) plus the signed global
 * configuration and the anchor that vouches for it. Locally it comes from `.sild/local.json`, written by
 * `npm start`; in AWS from the options (table, region, central URL, anchor).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createAwsClients } from '../lambdas/adapters/aws-clients';
import { DynamoDbMessageLog } from '../lambdas/adapters/dynamodb-message-log';
import { S3BodyStore } from '../lambdas/adapters/s3-body-store';
import { DynamoDbSealStore } from '../lambdas/adapters/dynamodb-seal-store';
import type { BodyStore, SealStore } from '../lambdas/core/log/ports';
import type { ConfigurationArchive } from '../lambdas/core/trust/ports';
import { DynamoDbConfigurationArchive } from '../lambdas/adapters/dynamodb-configuration-archive';
import { NodeHttpClient } from '../lambdas/adapters/node-http-client';
import { HttpGlobalConfigurationFetcher } from '../lambdas/adapters/http-global-configuration-fetcher';
import type { Anchor, SignedGlobalConfiguration } from '../lambdas/core/trust/global-configuration';
import { anchorPath, localInfoPath, type LocalRuntimeInfo } from '../lib/local/runtime-info';

export { anchorPath, localInfoPath, type LocalRuntimeInfo } from '../lib/local/runtime-info';

export interface LogTarget {
  readonly agency: string;
  readonly gatewayId: string;
  readonly log: DynamoDbMessageLog;
  readonly seals: SealStore;
  readonly intervalSeconds: number;
  readonly retentionDays: number;
  readonly anchor: Anchor;
  /** The gateway's body store (bodies above the inline log limit). @default - none */
  readonly bodies?: BodyStore;
  /** The configurations the gateway kept (one per key set it saw): keys of before a rotation are looked up there. */
  readonly archive: ConfigurationArchive;
  /** Those it kept of a federated instance (cross-border records are signed by that instance's gateways). */
  federatedArchive(instance: string): ConfigurationArchive;
  globalConfiguration(): Promise<SignedGlobalConfiguration>;
}

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

const fetchConfiguration = (centralUrl: string) => () => new HttpGlobalConfigurationFetcher(new NodeHttpClient(), centralUrl).fetch();

export function localTarget(stateDir: string, agency: string): LogTarget {
  const path = localInfoPath(stateDir);
  if (!existsSync(path)) throw new CliError(`${path} not found: start the local ecosystem first (npm start), or use --aws`);
  // The anchor file (rewritten by a central key rotation) holds the rotation chain the configurations must extend.
  const anchorFile = anchorPath(stateDir);
  return localTargetOf(
    JSON.parse(readFileSync(path, 'utf8')) as LocalRuntimeInfo,
    agency,
    existsSync(anchorFile) ? readAnchor(anchorFile) : undefined,
  );
}

/** A gateway of a running local ecosystem, from what it recorded (`localRuntimeInfo`), verified from `anchor`. */
export function localTargetOf(info: LocalRuntimeInfo, agency: string, anchor: Anchor = info.anchor): LogTarget {
  const entry = info.agencies[agency];
  if (!entry) throw new CliError(`Unknown agency ${agency}; known: ${Object.keys(info.agencies).join(', ')}`);
  const clients = createAwsClients({
    region: 'eu-north-1',
    endpoints: { dynamodb: info.dynamodb, s3: info.s3 },
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    agency,
    gatewayId: entry.gatewayId,
    log: new DynamoDbMessageLog(clients.dynamodb, entry.table, {
      retentionDays: entry.retentionDays,
      sealing: { intervalSeconds: entry.intervalSeconds },
    }),
    seals: new DynamoDbSealStore(clients.dynamodb, entry.table, { shards: entry.shards, intervalSeconds: entry.intervalSeconds }),
    bodies: new S3BodyStore(clients.s3, entry.bucket, { endpoint: info.s3 }),
    archive: new DynamoDbConfigurationArchive(clients.dynamodb, entry.table),
    federatedArchive: (instance) => new DynamoDbConfigurationArchive(clients.dynamodb, entry.table, instance),
    intervalSeconds: entry.intervalSeconds,
    retentionDays: entry.retentionDays,
    anchor,
    globalConfiguration: async () => {
      try {
        return await fetchConfiguration(info.central)();
      } catch (error) {
        throw new CliError(`The local ecosystem does not answer at ${info.central} (${(error as Error).message}): start it with npm start`);
      }
    },
  };
}

export interface AwsTargetOptions {
  readonly agency: string;
  readonly gatewayId: string;
  readonly table: string;
  /** The gateway's body store bucket. @default - stored bodies are left out of evidence */
  readonly bucket?: string;
  readonly region: string;
  readonly centralUrl: string;
  readonly anchor: Anchor;
  /** @default 60 */
  readonly intervalSeconds?: number;
  /** @default 4 */
  readonly shards?: number;
  /** @default 30 */
  readonly retentionDays?: number;
}

/** Uses the default AWS credential chain (`AWS_PROFILE`, `--profile`). */
export function awsTarget(options: AwsTargetOptions): LogTarget {
  const clients = createAwsClients({ region: options.region });
  const intervalSeconds = options.intervalSeconds ?? 60;
  const retentionDays = options.retentionDays ?? 30;
  return {
    agency: options.agency,
    gatewayId: options.gatewayId,
    log: new DynamoDbMessageLog(clients.dynamodb, options.table, { retentionDays, sealing: { intervalSeconds } }),
    seals: new DynamoDbSealStore(clients.dynamodb, options.table, { shards: options.shards ?? 4, intervalSeconds }),
    bodies: options.bucket ? new S3BodyStore(clients.s3, options.bucket) : undefined,
    archive: new DynamoDbConfigurationArchive(clients.dynamodb, options.table),
    federatedArchive: (instance) => new DynamoDbConfigurationArchive(clients.dynamodb, options.table, instance),
    intervalSeconds,
    retentionDays,
    anchor: options.anchor,
    globalConfiguration: fetchConfiguration(options.centralUrl),
  };
}

/** Reads an anchor: a JSON file `{instance, publicKey}` or the text `INSTANCE:BASE64-SPKI`. */
export function readAnchor(value: string): Anchor {
  if (existsSync(value)) {
    const anchor = JSON.parse(readFileSync(value, 'utf8')) as Anchor;
    if (!anchor.instance || !anchor.publicKey) throw new CliError(`${value} is not an anchor file ({"instance","publicKey"})`);
    return anchor;
  }
  const separator = value.indexOf(':');
  if (separator <= 0) throw new CliError('--anchor takes an anchor file or INSTANCE:BASE64-PUBLIC-KEY');
  return { instance: value.slice(0, separator), publicKey: value.slice(separator + 1) };
}
