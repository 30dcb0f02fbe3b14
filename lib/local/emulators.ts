/**
 * The AWS services the local runtime emulates: DynamoDB (dynalite behind a fault-injection proxy), KMS
 * (`LocalKmsEndpoint`) and S3 (`startLocalS3`). They run in the ecosystem's process by default; the benchmark runs them in a process of
 * their own (`bench/emulators.ts`) so the gateways' CPU time can be measured apart from theirs.
 *
 * All three authenticate every call and authorize it with one `LocalIam`: the stacks' own policies once an ecosystem
 * installs its model, the operator alone before.
 */
import { join } from 'node:path';
import { startLocalDynamoDb } from './dynamodb';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { OPERATOR_CREDENTIALS } from './iam/authorizer';
import { LocalIam } from './iam/local-iam';
import { LocalKmsEndpoint } from './kms/local-kms-endpoint';
import { startLocalS3, type LocalS3Endpoint } from './s3-endpoint';

/** The operator's credentials: the CLI, deploy-time writes and test helpers (an administrator of every local account). */
export const LOCAL_CREDENTIALS = OPERATOR_CREDENTIALS;

export interface EmulatorEndpoints {
  readonly dynamodbUrl: string;
  readonly kmsUrl: string;
  readonly s3Url: string;
}

export interface Emulators extends EmulatorEndpoints {
  /** The fault proxy in front of dynalite (fault tests set rules on it). */
  readonly dynamodb: FaultProxy;
  readonly kms: LocalKmsEndpoint;
  readonly s3: LocalS3Endpoint;
  /** Who may call the emulators, and what they may do. */
  readonly iam: LocalIam;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** Persist state under `<stateDir>/dynamodb` and `<stateDir>/kms`. @default - memory only */
  readonly stateDir?: string;
  readonly region: string;
  readonly account: string;
  /** @default 0 (ephemeral) */
  readonly dynamodbPort?: number;
  /** @default 0 (ephemeral) */
  readonly kmsPort?: number;
  /** @default 0 (ephemeral) */
  readonly s3Port?: number;
  /** The clock presigned URLs expire by, and stream records are stamped with. @default Date.now */
  readonly now?: () => number;
  /** Put the fault-injection proxy in front of dynalite (fault tests set rules on it). @default true */
  readonly faultInjection?: boolean;
}

/** Without fault injection: dynalite itself, under the proxy's interface (rules cannot be set). */
function passThrough(url: string): FaultProxy {
  return {
    url,
    setRule: () => {
      throw new Error('These emulators run without fault injection');
    },
    stop: async () => undefined,
  };
}

export async function startEmulators(options: EmulatorOptions): Promise<Emulators> {
  const iam = new LocalIam();
  const dynalite = await startLocalDynamoDb({
    path: options.stateDir && join(options.stateDir, 'dynamodb'),
    port: options.faultInjection === false ? options.dynamodbPort : undefined,
    iam,
    region: options.region,
    now: options.now,
  });
  // The fault proxy is a hop of its own (~1.4 ms p50): the benchmark leaves it out.
  const dynamodb = options.faultInjection === false ? passThrough(dynalite.url) : await startFaultProxy(dynalite.url, options.dynamodbPort);
  const kms = await LocalKmsEndpoint.start({
    stateDir: options.stateDir && join(options.stateDir, 'kms'),
    region: options.region,
    account: options.account,
    port: options.kmsPort,
    iam,
  });
  const s3 = await startLocalS3({ stateDir: options.stateDir && join(options.stateDir, 's3'), iam, port: options.s3Port, now: options.now });
  return {
    iam,
    dynamodbUrl: dynamodb.url,
    kmsUrl: kms.url,
    s3Url: s3.url,
    dynamodb,
    kms,
    s3,
    stop: async () => {
      await s3.stop();
      await kms.stop();
      await dynamodb.stop();
      await dynalite.stop();
    },
  };
}
