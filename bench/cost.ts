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

// ---- Costs that grow with the ecosystem or the calendar, not with messages (issue 25) ----

/** Seconds in the month the monthly figures price (30 days). */
export const MONTH_SECONDS = 30 * 24 * 3600;

/**
 * Monthly list prices (us-east-1; eu-north-1 is the same for these) of what a deployment costs with no traffic.
 * Sources: https://aws.amazon.com/cloudwatch/pricing/ (custom metrics $0.30 per metric-month for the first 10,000,
 * prorated by the hour a metric receives data; standard alarms $0.10 per metric an alarm reads — a metric-math alarm
 * pays for each metric of its expression; dashboards $3 each per month), https://aws.amazon.com/waf/pricing/ ($5 per
 * web ACL, $1 per rule, per month), /cloudfront/pricing/ (HTTPS requests $0.0100 per 10,000, data transfer out
 * $0.085 per GB, first 10 TB, Europe/US), KMS $1 per key-month (shared/reference/aws.md). Free tiers are not applied
 * (CloudWatch's always-free 10 metrics, 10 alarms and 3 dashboards per account; CloudFront's 1 TB and 10 M requests).
 */
export const MONTHLY_PRICES = {
  customMetric: 0.3,
  alarmMetric: 0.1,
  dashboard: 3,
  kmsKey: 1,
  wafWebAcl: 5,
  wafRule: 1,
  cloudFrontHttpsRequest: 0.01 / 10_000,
  cloudFrontTransferGb: 0.085,
} as const;

export interface ConfigRefreshInputs {
  /** The kept item: the signed configuration gzipped, plus key and version (bytes). */
  readonly keptItemBytes: number;
  /** What one fetch of a new configuration transfers (gzip, as CloudFront serves it to a viewer accepting it). */
  readonly transferBytes: number;
  /** Warm containers of one gateway holding a copy (each refreshes on its own; at idle the consumer, provider and canary functions). */
  readonly containers: number;
  /** @default 60 (globalConfRefreshSeconds) */
  readonly refreshSeconds?: number;
  /** @default 60 (the central's globalConfGenerationSeconds: a new version each time) */
  readonly generationSeconds?: number;
  /** @default 600 (globalConfValiditySeconds) */
  readonly validitySeconds?: number;
  /** Changes of content (joins, new services, key rotations) per month. @default 100 */
  readonly contentChangesPerMonth?: number;
  /** CPU to read and verify a new configuration (gunzip, SHA-256, ECDSA, JSON), ms. */
  readonly verifyCpuMs: number;
  /** @default 512 */
  readonly lambdaMemoryMb?: number;
}

export interface ConfigRefreshBreakdown {
  /** Conditional puts of the kept copy per month, all containers (a failed one is billed like a write). */
  readonly archiveWrites: number;
  readonly archiveWriteUnits: number;
  readonly archive: number;
  /** Requests to the CDN per month, all containers; those after a new version download it, the rest are 304s. */
  readonly fetches: number;
  readonly cdnRequests: number;
  readonly cdnTransfer: number;
  readonly lambda: number;
  readonly total: number;
}

/**
 * What keeping one gateway's global configuration fresh costs a month (issue 25). Each container fetches every
 * `refreshSeconds` (conditional: a 304 when nothing was published since); a new version is downloaded and verified
 * at most once per generation; the kept copy is written only on change — a change of content, or once it has used half
 * its validity — so each container writes `month / (validity / 2) + changes` times at most, ⌈item / 1 KB⌉ write units
 * each.
 */
export function configRefreshMonthly(inputs: ConfigRefreshInputs): ConfigRefreshBreakdown {
  const refreshSeconds = inputs.refreshSeconds ?? 60;
  const generationSeconds = inputs.generationSeconds ?? 60;
  const validitySeconds = inputs.validitySeconds ?? 600;
  const fetchesPerContainer = MONTH_SECONDS / refreshSeconds;
  const downloadsPerContainer = Math.min(fetchesPerContainer, MONTH_SECONDS / generationSeconds);
  const archiveWrites = inputs.containers * (MONTH_SECONDS / (validitySeconds / 2) + (inputs.contentChangesPerMonth ?? 100));
  const archiveWriteUnits = archiveWrites * Math.ceil(inputs.keptItemBytes / 1024);
  const fetches = inputs.containers * fetchesPerContainer;
  const downloads = inputs.containers * downloadsPerContainer;
  const archive = archiveWriteUnits * PRICES.dynamoWriteUnit;
  const cdnRequests = fetches * MONTHLY_PRICES.cloudFrontHttpsRequest;
  const cdnTransfer = ((downloads * inputs.transferBytes) / GB) * MONTHLY_PRICES.cloudFrontTransferGb;
  const lambda = downloads * (inputs.verifyCpuMs / 1000) * ((inputs.lambdaMemoryMb ?? 512) / 1024) * PRICES.lambdaArmGbSecond;
  return {
    archiveWrites,
    archiveWriteUnits,
    archive,
    fetches,
    cdnRequests,
    cdnTransfer,
    lambda,
    total: archive + cdnRequests + cdnTransfer + lambda,
  };
}

/**
 * The same before issue 25, for comparison: every refresh of every container wrote the whole JSON document twice
 * (the newest copy, and the key set's history item — a conditional put that fails is billed for the existing item's
 * size), and downloaded it uncompressed.
 */
export function configRefreshMonthlyBefore(inputs: {
  readonly jsonBytes: number;
  readonly containers: number;
  readonly refreshSeconds?: number;
}): number {
  const refreshes = inputs.containers * (MONTH_SECONDS / (inputs.refreshSeconds ?? 60));
  const writeUnits = refreshes * 2 * Math.ceil(inputs.jsonBytes / 1024);
  return (
    writeUnits * PRICES.dynamoWriteUnit +
    refreshes * MONTHLY_PRICES.cloudFrontHttpsRequest +
    ((refreshes * inputs.jsonBytes) / GB) * MONTHLY_PRICES.cloudFrontTransferGb
  );
}

/** Custom metrics a month: each distinct metric CloudWatch extracts, at $0.30 (data every hour: the worst case). */
export const customMetricsMonthly = (metrics: number) => metrics * MONTHLY_PRICES.customMetric;

/** What a deployment holds and does with no traffic, per month. */
export interface IdleInputs {
  /** Σ over alarms of the metrics each reads (a metric-math alarm: every metric of its expression). */
  readonly alarmMetrics: number;
  readonly dashboards: number;
  /** Custom metrics that receive data at idle (the canary's figures and exchange, metric filters, the publisher's). */
  readonly customMetrics: number;
  readonly kmsKeys: number;
  readonly webAcls: number;
  readonly wafRules: number;
  /** Requests the web ACLs inspect per month (the canary's, at idle). */
  readonly wafRequests: number;
  /** Scheduled invocations (sealer, canary and the sides the canary calls; the publisher) and their billed time. */
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  readonly dynamoWriteUnits: number;
  /** CloudWatch Logs bytes written per month, kept `logRetentionDays`. */
  readonly logBytes: number;
  readonly logRetentionDays: number;
  /** KMS requests a month (session-key certification, the central's signatures). */
  readonly kmsRequests: number;
  /** Keeping the global configuration fresh (`configRefreshMonthly`), or for the central its publication (S3 PUTs). */
  readonly configuration: number;
}

export interface IdleBreakdown {
  readonly alarms: number;
  readonly dashboards: number;
  readonly customMetrics: number;
  readonly lambda: number;
  readonly dynamodb: number;
  readonly logs: number;
  readonly kmsRequests: number;
  readonly configuration: number;
  /** Security defaults, reported apart (the goal excludes them; none is removed to meet it). */
  readonly kmsKeys: number;
  readonly waf: number;
  readonly total: number;
  readonly totalExcludingSecurityDefaults: number;
}

export function idleMonthly(inputs: IdleInputs): IdleBreakdown {
  const alarms = inputs.alarmMetrics * MONTHLY_PRICES.alarmMetric;
  const dashboards = inputs.dashboards * MONTHLY_PRICES.dashboard;
  const customMetrics = customMetricsMonthly(inputs.customMetrics);
  const lambda = inputs.lambdaInvocations * PRICES.lambdaRequest + inputs.lambdaGbSeconds * PRICES.lambdaArmGbSecond;
  const dynamodb = inputs.dynamoWriteUnits * PRICES.dynamoWriteUnit;
  const logGb = inputs.logBytes / GB;
  const logs = logGb * ALL_IN_PRICES.logsIngestionGb + logGb * (inputs.logRetentionDays / 30) * ALL_IN_PRICES.logsStorageGbMonth;
  const kmsRequests = inputs.kmsRequests * PRICES.kmsEccRequest;
  const kmsKeys = inputs.kmsKeys * MONTHLY_PRICES.kmsKey;
  const waf = inputs.webAcls * MONTHLY_PRICES.wafWebAcl + inputs.wafRules * MONTHLY_PRICES.wafRule + inputs.wafRequests * ALL_IN_PRICES.wafRequest;
  const totalExcludingSecurityDefaults = alarms + dashboards + customMetrics + lambda + dynamodb + logs + kmsRequests + inputs.configuration;
  return {
    alarms,
    dashboards,
    customMetrics,
    lambda,
    dynamodb,
    logs,
    kmsRequests,
    configuration: inputs.configuration,
    kmsKeys,
    waf,
    total: totalExcludingSecurityDefaults + kmsKeys + waf,
    totalExcludingSecurityDefaults,
  };
}
