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
  return {
    apiGateway,
    lambdaRequests,
    lambdaCompute,
    kms,
    dynamoWrites,
    dynamoReads,
    total: apiGateway + lambdaRequests + lambdaCompute + kms + dynamoWrites + dynamoReads,
  };
}

/**
 * Everything a message costs, not only its requests: list prices (us-east-1) of what the per-message figures above
 * leave out. Storage and point-in-time recovery are priced for a steady flow: a month's messages kept for the log
 * retention. Sources: https://aws.amazon.com/api-gateway/pricing/, /waf/pricing/, /dynamodb/pricing/on-demand/,
 * /cloudwatch/pricing/, /s3/pricing/.
 */
export const ALL_IN_PRICES = {
  /** API Gateway HTTP API: $1.00 per million requests (first tier). */
  httpApiRequest: 1.0 / 1_000_000,
  /** AWS WAF: $0.60 per million requests inspected (the provider API's web ACL). */
  wafRequest: 0.6 / 1_000_000,
  /** DynamoDB standard table storage: $0.25 per GB-month. */
  dynamoStorageGbMonth: 0.25,
  /** DynamoDB continuous backups (PITR): $0.20 per GB-month. */
  dynamoPitrGbMonth: 0.2,
  /** CloudWatch Logs ingestion (standard class): $0.50 per GB. */
  logsIngestionGb: 0.5,
  /** CloudWatch Logs storage: $0.03 per GB-month. */
  logsStorageGbMonth: 0.03,
  /** S3 Standard PUT requests: $0.005 per 1,000 (https://aws.amazon.com/s3/pricing/). */
  s3PutRequest: 0.005 / 1_000,
  /** S3 Standard storage: $0.023 per GB-month (first 50 TB). */
  s3StorageGbMonth: 0.023,
} as const;

/** The API front-ends Sild deploys, and so what each message crosses. */
export const DEPLOYMENT_MODES = {
  /** IAM consumer side (HTTP API) and an HTTP API provider side without WAF: the cheapest. */
  http: { consumer: 'http', provider: 'http', waf: false },
  /** The default: IAM consumer side (HTTP API), REST provider side behind WAF. */
  default: { consumer: 'http', provider: 'rest', waf: true },
  /** Private consumer side (REST API, VPC endpoints), REST provider side behind WAF. */
  private: { consumer: 'rest', provider: 'rest', waf: true },
} as const;

export type DeploymentMode = keyof typeof DEPLOYMENT_MODES;

export interface AllInInputs extends CostInputs {
  /** Bytes of log records and seal-index entries stored per message (both sides). */
  readonly storedBytesPerMessage: number;
  /** Bodies above the inline limit, kept in the gateways' body stores: objects and bytes per message. @default 0 */
  readonly s3PutsPerMessage?: number;
  readonly s3BytesPerMessage?: number;
  readonly retentionDays: number;
  /** CloudWatch Logs bytes per message: opmon EMF lines, Lambda START/END/REPORT lines, API access logs. */
  readonly logBytesPerMessage: number;
  /** Log group retention, days (function logs: 90). */
  readonly logRetentionDays: number;
}

export interface AllInBreakdown extends CostBreakdown {
  readonly waf: number;
  readonly dynamoStorage: number;
  readonly dynamoPitr: number;
  readonly logs: number;
  readonly s3Requests: number;
  readonly s3Storage: number;
}

const GB = 1024 ** 3;

export function allInCostPerMillion(inputs: AllInInputs, mode: DeploymentMode): AllInBreakdown {
  const fronts = DEPLOYMENT_MODES[mode];
  const apiPrice = (kind: 'http' | 'rest') => (kind === 'http' ? ALL_IN_PRICES.httpApiRequest : PRICES.restApiRequest);
  const base = costPerMillion({ ...inputs, apiRequestsPerMessage: 0 });
  const apiGateway = (apiPrice(fronts.consumer) + apiPrice(fronts.provider)) * MILLION;
  const waf = fronts.waf ? ALL_IN_PRICES.wafRequest * MILLION : 0;
  const storedGb = (inputs.storedBytesPerMessage * MILLION) / GB;
  const retainedMonths = inputs.retentionDays / 30;
  const dynamoStorage = storedGb * retainedMonths * ALL_IN_PRICES.dynamoStorageGbMonth;
  const dynamoPitr = storedGb * retainedMonths * ALL_IN_PRICES.dynamoPitrGbMonth;
  const logGb = (inputs.logBytesPerMessage * MILLION) / GB;
  const logs = logGb * ALL_IN_PRICES.logsIngestionGb + logGb * (inputs.logRetentionDays / 30) * ALL_IN_PRICES.logsStorageGbMonth;
  const s3Requests = (inputs.s3PutsPerMessage ?? 0) * ALL_IN_PRICES.s3PutRequest * MILLION;
  const s3Storage = (((inputs.s3BytesPerMessage ?? 0) * MILLION) / GB) * retainedMonths * ALL_IN_PRICES.s3StorageGbMonth;
  const extra = apiGateway + waf + dynamoStorage + dynamoPitr + logs + s3Requests + s3Storage;
  return { ...base, apiGateway, waf, dynamoStorage, dynamoPitr, logs, s3Requests, s3Storage, total: base.total + extra };
}

/** One custom metric as CloudWatch extracts it from EMF lines: namespace, name and dimension values. */
export interface CustomMetric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * The distinct custom metrics a set of EMF lines creates, as CloudWatch extracts them: each metric of each directive,
 * once per dimension set, named by the line's values of those dimensions
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 */
export function customMetricsOf(lines: readonly string[]): CustomMetric[] {
  const metrics = new Map<string, CustomMetric>();
  for (const line of lines) {
    const parsed = JSON.parse(line) as Record<string, unknown> & {
      _aws?: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
    };
    for (const directive of parsed._aws?.CloudWatchMetrics ?? [])
      for (const set of directive.Dimensions)
        for (const { Name } of directive.Metrics) {
          const dimensions = Object.fromEntries(set.map((name) => [name, String(parsed[name])]));
          const metric = { namespace: directive.Namespace, name: Name, dimensions };
          metrics.set(metricKey(metric), metric);
        }
  }
  return [...metrics.values()];
}

/** A metric's identity: namespace, name and its dimensions in name order. */
export const metricKey = (metric: CustomMetric) =>
  JSON.stringify([metric.namespace, metric.name, Object.entries(metric.dimensions).sort(([a], [b]) => a.localeCompare(b))]);
