/**
 * SDK clients, built once per process and reused (keep-alive connections). `endpoint` points them at the local
 * runtime's dynalite and KMS endpoint; in AWS it is left unset.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { TRACING_ENV } from '../deployment-contract';
import { DynamoDbPutItemClient, type ItemWriter } from './dynamodb-put-item';
import { kmsSdk, s3Sdk } from './lazy-sdk';

export interface AwsClientOptions {
  readonly region?: string;
  /** Local endpoints; unset in AWS. */
  readonly endpoints?: { readonly dynamodb?: string; readonly kms?: string; readonly s3?: string };
  /** Static credentials for local endpoints; unset in AWS (the function's role is used). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** SDK retry attempts (jittered exponential back-off). @default 3 */
  readonly maxAttempts?: number;
  /** X-Ray subsegments for every SDK call (Powertools Tracer). @default `SILD_TRACING` is `true` (the stack's `tracing` setting) */
  readonly tracing?: boolean;
}

export interface AwsClients {
  readonly kms: KMSClient;
  readonly dynamodb: DynamoDBDocumentClient;
  readonly s3: S3Client;
  /**
   * The message log's writes (four per message): DynamoDB `PutItem` without the SDK (ADR 0009), on the SDK's
   * credentials and region; through the SDK when tracing (so each write is an X-Ray subsegment).
   */
  readonly logWriter: ItemWriter;
  /**
   * The message log's stream, read by the sealer alone (created, and the package loaded, on first use; locally the
   * DynamoDB endpoint serves the Streams API too).
   */
  readonly dynamodbStreams: DynamoDBStreamsClient;
  /** The local S3 endpoint, when there is one (presigned URLs are path-style there). */
  readonly s3Endpoint?: string;
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  // AWS_MAX_ATTEMPTS is the SDK's own setting (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
  const common = {
    region: options.region,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts ?? (Number(process.env.AWS_MAX_ATTEMPTS) || 3),
  };
  const tracing = options.tracing ?? process.env[TRACING_ENV] === 'true';
  const capture = tracing ? tracerCapture() : <T>(client: T) => client;
  const dynamodbClient = capture(new DynamoDBClient({ ...common, endpoint: options.endpoints?.dynamodb }));
  const dynamodb = DynamoDBDocumentClient.from(dynamodbClient, { marshallOptions: { removeUndefinedValues: true } });
  let kms: KMSClient | undefined;
  let s3: S3Client | undefined;
  let dynamodbStreams: DynamoDBStreamsClient | undefined;
  return {
    // Created (and the package loaded) on first use: what only reads and writes DynamoDB never signs (`lazy-sdk.ts`).
    get kms() {
      return (kms ??= capture(new (kmsSdk().KMSClient)({ ...common, endpoint: options.endpoints?.kms })));
    },
    dynamodb,
    logWriter: tracing
      ? sdkItemWriter(dynamodb)
      : new DynamoDbPutItemClient({
          endpoint: options.endpoints?.dynamodb,
          region: () => dynamodbClient.config.region(),
          credentials: () => dynamodbClient.config.credentials(),
          maxAttempts: common.maxAttempts,
        }),
    // Created (and the package loaded) on first use: most messages never touch S3 (`lazy-sdk.ts`).
    // Bodies are verified by their SHA-256 wherever they are read (the log, the signed hashes), so the SDK's own
    // per-request CRC checksums add only CPU; they are computed where S3 requires them.
    get s3() {
      return (s3 ??= capture(
        new (s3Sdk().S3Client)({
          ...common,
          endpoint: options.endpoints?.s3,
          forcePathStyle: options.endpoints?.s3 !== undefined,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }),
      ));
    },
    get dynamodbStreams() {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { DynamoDBStreamsClient: Client } = require('@aws-sdk/client-dynamodb-streams') as typeof import('@aws-sdk/client-dynamodb-streams');
      return (dynamodbStreams ??= capture(new Client({ ...common, endpoint: options.endpoints?.dynamodb })));
    },
    s3Endpoint: options.endpoints?.s3,
  };
}

/** The message log's writes through the SDK (traced, or where no other writer is given). */
export const sdkItemWriter = (client: DynamoDBDocumentClient): ItemWriter => ({
  putItem: async (input) => {
    await client.send(new PutCommand(input));
  },
});

/**
 * Powertools Tracer, loaded only when tracing is on: the X-Ray SDK it brings costs cold-start time a function that
 * does not trace should not pay (esbuild evaluates a bundled module when it is first required).
 */
function tracerCapture(): <T>(client: T) => T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Tracer } = require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer');
  const tracer = new Tracer({ serviceName: 'sild' });
  return <T>(client: T) => tracer.captureAWSv3Client(client as never) as T;
}
