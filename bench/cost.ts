/**
 * What a million exchanged messages cost on AWS at list prices (shared/reference/aws.md), from per-message counts
 * measured by the benchmark. One message = one client request and its answer through a consumer gateway and a
 * provider gateway: two API Gateway REST requests and two Lambda invocations (one per side), plus whatever the
 * gateways ask of KMS and DynamoDB.
 *
 * Not included: the central deployment (one configuration per 60 s per gateway container, independent of traffic),
 * DynamoDB storage and PITR, CloudWatch Logs ingestion, data transfer, KMS key-months ($1 per key), the
 * backends themselves.
 */

export const PRICES = {
  /** ECC_NIST_P256 requests: $0.15 per 10,000. */
  kmsEccRequest: 0.15 / 10_000,
  /** DynamoDB on-demand: $0.625 per million write units (1 KB). */
  dynamoWriteUnit: 0.625 / 1_000_000,
  /** DynamoDB on-demand: $0.125 per million read units (4 KB). */
  dynamoReadUnit: 0.125 / 1_000_000,
  /** Lambda arm64: $0.0000133334 per GB-s. */
  lambdaArmGbSecond: 0.0000133334,
  /** Lambda: $0.20 per million requests. */
  lambdaRequest: 0.2 / 1_000_000,
  /** API Gateway REST: $3.50 per million (first tier). */
  restApiRequest: 3.5 / 1_000_000,
} as const;

export interface CostInputs {
  readonly kmsSignPerMessage: number;
  /** Other KMS requests (GetPublicKey…); priced like Sign (ECC key requests). */
  readonly kmsOtherPerMessage: number;
  readonly dynamoWriteUnitsPerMessage: number;
  readonly dynamoReadUnitsPerMessage: number;
  /** Billed Lambda time per message, both functions together, ms. */
  readonly lambdaMsPerMessage: number;
  /** Memory of each gateway function (SildFunction's default: 512 MB). */
  readonly lambdaMemoryMb: number;
  /** @default 2 (consumer side and provider side) */
  readonly lambdaInvocationsPerMessage?: number;
  /** @default 2 (the consumer API and the provider API) */
  readonly apiRequestsPerMessage?: number;
}

/** USD per million messages, by item. */
export interface CostBreakdown {
  readonly apiGateway: number;
  readonly lambdaRequests: number;
  readonly lambdaCompute: number;
  readonly kms: number;
  readonly dynamoWrites: number;
  readonly dynamoReads: number;
  readonly total: number;
}

const MILLION = 1_000_000;

export function costPerMillion(inputs: CostInputs): CostBreakdown {
  const apiGateway = (inputs.apiRequestsPerMessage ?? 2) * PRICES.restApiRequest * MILLION;
  const lambdaRequests = (inputs.lambdaInvocationsPerMessage ?? 2) * PRICES.lambdaRequest * MILLION;
  const lambdaCompute = (inputs.lambdaMsPerMessage / 1000) * (inputs.lambdaMemoryMb / 1024) * PRICES.lambdaArmGbSecond * MILLION;
  const kms = (inputs.kmsSignPerMessage + inputs.kmsOtherPerMessage) * PRICES.kmsEccRequest * MILLION;
  const dynamoWrites = inputs.dynamoWriteUnitsPerMessage * PRICES.dynamoWriteUnit * MILLION;
  const dynamoReads = inputs.dynamoReadUnitsPerMessage * PRICES.dynamoReadUnit * MILLION;
  return { apiGateway, lambdaRequests, lambdaCompute, kms, dynamoWrites, dynamoReads, total: apiGateway + lambdaRequests + lambdaCompute + kms + dynamoWrites + dynamoReads };
}
