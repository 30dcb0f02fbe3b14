/**
 * SDK clients, built once per process and reused (keep-alive connections). `endpoint` points them at the local
 * runtime's dynalite and KMS endpoint; in AWS it is left unset.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';

export interface AwsClientOptions {
  readonly region?: string;
  /** Local endpoints; unset in AWS. */
  readonly endpoints?: { readonly dynamodb?: string; readonly kms?: string };
  /** Static credentials for local endpoints; unset in AWS (the function's role is used). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** SDK retry attempts (jittered exponential back-off). @default 3 */
  readonly maxAttempts?: number;
}

export interface AwsClients {
  readonly kms: KMSClient;
  readonly dynamodb: DynamoDBDocumentClient;
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const common = { region: options.region, credentials: options.credentials, maxAttempts: options.maxAttempts ?? 3 };
  return {
    kms: new KMSClient({ ...common, endpoint: options.endpoints?.kms }),
    dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({ ...common, endpoint: options.endpoints?.dynamodb }), {
      marshallOptions: { removeUndefinedValues: true },
    }),
  };
}
