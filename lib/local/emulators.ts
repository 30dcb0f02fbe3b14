/**
 * The AWS services the local runtime emulates: DynamoDB (dynalite behind a fault-injection proxy) and KMS
 * (`LocalKmsEndpoint`). They run in the ecosystem's process by default; the benchmark runs them in a process of
 * their own (`bin/emulators.ts`) so the gateways' CPU time can be measured apart from theirs.
 */
import { join } from 'node:path';
import { startLocalDynamoDb } from './dynamodb';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { LocalKmsEndpoint } from './kms-endpoint';

export interface EmulatorEndpoints {
  readonly dynamodbUrl: string;
  readonly kmsUrl: string;
}

export interface Emulators extends EmulatorEndpoints {
  /** The fault proxy in front of dynalite (fault tests set rules on it). */
  readonly dynamodb: FaultProxy;
  readonly kms: LocalKmsEndpoint;
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
}

export async function startEmulators(options: EmulatorOptions): Promise<Emulators> {
  const dynalite = await startLocalDynamoDb({ path: options.stateDir && join(options.stateDir, 'dynamodb') });
  const dynamodb = await startFaultProxy(dynalite.url, options.dynamodbPort);
  const kms = await LocalKmsEndpoint.start({ stateDir: options.stateDir && join(options.stateDir, 'kms'), region: options.region, account: options.account, port: options.kmsPort });
  return {
    dynamodbUrl: dynamodb.url,
    kmsUrl: kms.url,
    dynamodb,
    kms,
    stop: async () => {
      await kms.stop();
      await dynamodb.stop();
      await dynalite.stop();
    },
  };
}
