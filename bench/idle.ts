/**
 * Costs that grow with the ecosystem or the calendar rather than with messages (issue 25), each from what the code
 * and the templates actually hold: the stacks are synthesized in this process (no bundling) and their alarms,
 * dashboards, keys, web ACLs, metric filters and schedules counted; the custom metrics are those CloudWatch extracts
 * from the EMF lines the adapter writes; the configuration's size is the central's builder's. Prices and formulas:
 * `bench/cost.ts`. Per-run estimates (a scheduled run's billed time, write units, log bytes) are stated where used.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ALARMED_OUTCOMES, canaryLine, EmfOperationalMonitor } from '../lambdas/adapters/emf-operational-monitor';
import type { OpmonRecord } from '../lambdas/core/exchange/opmon';
import { SildCentral } from '../lib/constructs/sild-central';
import { SildGateway, type SildGatewayProps } from '../lib/constructs/sild-gateway';
import { configurationSize, type ConfigurationSize } from './configuration-size';
import {
  configRefreshMonthly,
  configRefreshMonthlyBefore,
  customMetricsMonthly,
  customMetricsOf,
  idleMonthly,
  MONTH_SECONDS,
  PRICES,
  type ConfigRefreshBreakdown,
  type IdleBreakdown,
  type IdleInputs,
} from './cost';

const ROOT = path.resolve(__dirname, '..');
const GATEWAY_ID = 'EE/GOV/70000009/vehicle-registry';
/** A central public key (P-256, DER SPKI, base64), as the central stack outputs it. */
const ANCHOR = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

/** The gateway deployment modes the stacks have (idle per gateway is reported for each). */
export const GATEWAY_MODES: Record<string, Partial<SildGatewayProps>> = {
  /** IAM consumer side (HTTP API), REST provider side behind WAF. */
  default: {},
  /** Private consumer side (REST API behind the agency's VPC endpoints), REST provider side behind WAF. */
  private: { consumerAccess: { mode: 'private', vpcEndpointIds: ['vpce-0a1b2c3d4e5f60718'] } } as Partial<SildGatewayProps>,
  /** The default with every function in the agency's VPC (its NAT and endpoints are the agency's, not priced here). */
  vpc: {
    vpc: {
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b1b2c3d4e5f60718'],
      availabilityZones: ['eu-north-1a', 'eu-north-1b'],
      functions: 'all',
      executeApiPrivateDns: false,
    },
  } as Partial<SildGatewayProps>,
  /** HTTP APIs on both sides, no web ACL (the cheapest per message; opt-in). */
  http: { providerApi: 'http', waf: { enabled: false } } as Partial<SildGatewayProps>,
};

function newStack(): Stack {
  const context = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
  const app = new App({ analyticsReporting: false, stackTraces: false, context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Idle', { env: { account: '555555555555', region: 'eu-north-1' } });
}

/** What a template holds that costs by the month, and its schedules. */
export interface TemplateCounts {
  readonly alarms: number;
  /** Σ over alarms of the metrics each reads. */
  readonly alarmMetrics: number;
  readonly dashboards: number;
  readonly kmsKeys: number;
  readonly webAcls: number;
  readonly wafRules: number;
  /** Distinct metrics the log metric filters create. */
  readonly metricFilterMetrics: number;
  /** Scheduled runs a month, by the schedule's logical id. */
  readonly scheduledRunsPerMonth: Record<string, number>;
}

/** The parts of a CloudFormation resource `templateCounts` reads. */
interface CfnResource {
  readonly Type: string;
  readonly Properties?: {
    readonly MetricName?: string;
    readonly Metrics?: readonly { readonly MetricStat?: unknown; readonly Expression?: string }[];
    readonly MetricTransformations?: readonly { readonly MetricNamespace: string; readonly MetricName: string }[];
    readonly Rules?: readonly unknown[];
    readonly ScheduleExpression?: string;
  };
}

export function templateCounts(template: { readonly Resources: Record<string, CfnResource> }): TemplateCounts {
  const ofType = (type: string) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
  const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties ?? {});
  const filters = ofType('AWS::Logs::MetricFilter').flatMap(([, filter]) =>
    (filter.Properties?.MetricTransformations ?? []).map((metric) => `${metric.MetricNamespace}/${metric.MetricName}`),
  );
  const rate = (expression: string | undefined) => {
    const [, count, unit] = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(expression ?? '') ?? [];
    return count ? Number(count) * (unit.startsWith('hour') ? 3600 : 60) : undefined;
  };
  return {
    alarms: alarms.length,
    alarmMetrics: alarms.reduce((sum, alarm) => sum + (alarm.MetricName ? 1 : (alarm.Metrics ?? []).filter((entry) => entry.MetricStat).length), 0),
    dashboards: ofType('AWS::CloudWatch::Dashboard').length,
    kmsKeys: ofType('AWS::KMS::Key').length,
    webAcls: ofType('AWS::WAFv2::WebACL').length,
    wafRules: ofType('AWS::WAFv2::WebACL').reduce((sum, [, acl]) => sum + (acl.Properties?.Rules?.length ?? 0), 0),
    metricFilterMetrics: new Set(filters).size,
    scheduledRunsPerMonth: Object.fromEntries(
      ofType('AWS::Events::Rule').flatMap(([id, rule]) => {
        const seconds = rate(rule.Properties?.ScheduleExpression);
        return seconds ? [[id, MONTH_SECONDS / seconds]] : [];
      }),
    ),
  };
}

/** The EMF lines a gateway writes at idle: the canary's exchange (an answer on each side) and the canary's figures. */
function idleLines(): string[] {
  const lines: string[] = [];
  const monitor = new EmfOperationalMonitor(GATEWAY_ID, (line) => lines.push(line));
  const base = { gateway: GATEWAY_ID, requestInTs: 0, requestOutTs: 1, responseInTs: 2, responseOutTs: 3, requestSize: 0, responseSize: 400 };
  for (const securityServerType of ['Client', 'Producer'] as const)
    monitor.record({ ...base, securityServerType, succeeded: true, identified: true, statusCode: 200 } as OpmonRecord);
  const figures = { globalConfAgeSeconds: 30, globalConfAgePercent: 5, sealLagSeconds: 70, sessionValiditySeconds: 3000 };
  lines.push(canaryLine(GATEWAY_ID, { ok: true, figures, exchange: { status: 200 }, health: { status: 'ok' } } as never, 0));
  return lines;
}

/**
 * The EMF lines of a month's traffic of a registry called by `clients` client subsystems on `services` services, on
 * both sides, with every outcome the alarms count and a few others, plus the canary's.
 */
function linesAtScale(clients: number, services: number): string[] {
  const lines = idleLines();
  const monitor = new EmfOperationalMonitor(GATEWAY_ID, (line) => lines.push(line));
  const outcomes = [undefined, 'Server.ServerProxy.AccessDenied', 'Server.ServerProxy.ServiceFailed', 'Client.BadRequest', ...ALARMED_OUTCOMES];
  const base = { gateway: GATEWAY_ID, requestInTs: 0, requestOutTs: 1, responseInTs: 2, responseOutTs: 3, requestSize: 0, responseSize: 400 };
  for (let client = 0; client < clients; client += 1)
    for (let service = 0; service < services; service += 1)
      for (const securityServerType of ['Client', 'Producer'] as const) {
        const faultCode = outcomes[(client + service) % outcomes.length];
        monitor.record({
          ...base,
          securityServerType,
          clientXRoadInstance: 'EE',
          clientMemberClass: 'GOV',
          clientMemberCode: String(70000000 + client),
          clientSubsystemCode: 'app',
          serviceXRoadInstance: 'EE',
          serviceMemberClass: 'GOV',
          serviceMemberCode: '70000009',
          serviceSubsystemCode: 'vehicles',
          serviceCode: `service-${service}`,
          succeeded: !faultCode,
          identified: true,
          faultCode,
        } as OpmonRecord);
      }
  return lines;
}

/** Estimates per scheduled run, stated: billed time, write units, log bytes. */
export const RUN_ESTIMATES = {
  /**
   * A sealer run: a Query, the read of the log's stream (ListStreams, DescribeStream, per shard GetShardIterator and
   * GetRecords: ~10 stream read units, $0.02 per 100,000 — ≈ $0.09 a month, ADR 0009, left out here), one seal item with
   * its stream positions (~1–2 KB: 2 WU), one KMS Sign; ~150 ms at 512 MB.
   */
  sealer: { billedMs: 150, writeUnits: 2, kmsSigns: 1, logBytes: 3 * 330 + 300 },
  /** A canary run: the canary (~400 ms) and the provider side it calls (~60 ms); one exchange (10 WU, round 2). */
  canary: { billedMs: 460, invocations: 2, writeUnits: 10, apiRequests: 1, logBytes: 2 * 3 * 330 + 300 + 400 },
  /** The central's publisher: read the registry, sign, two S3 PUTs; ~300 ms at 256 MB. */
  publisher: { billedMs: 300, memoryMb: 256, kmsSigns: 1, s3Puts: 2, logBytes: 3 * 330 + 300 },
  /** Session certificates: a KMS Sign per container and hour (consumer, provider, canary). */
  sessionSignsPerMonth: 3 * (MONTH_SECONDS / 3600),
} as const;

export interface ScaleCostReport {
  readonly idleMonthlyUsdPerGateway: Record<string, IdleBreakdown & { readonly freeTierSavings: number; readonly counts: TemplateCounts }>;
  readonly idleMonthlyUsdCentral: IdleBreakdown & { readonly counts: TemplateCounts; readonly s3Puts: number; readonly s3GrowthGbPerMonth: number };
  readonly configRefresh: ConfigRefreshBreakdown & { readonly beforeIssue25: number; readonly containers: number };
  readonly customMetricsAt300Clients: {
    readonly metrics: number;
    readonly usd: number;
    readonly beforeIssue25Metrics: number;
    readonly beforeIssue25Usd: number;
  };
  readonly configurationSizes: readonly ConfigurationSize[];
  readonly assumptions: Record<string, string>;
}

export async function scaleCosts(): Promise<ScaleCostReport> {
  const sizes = await Promise.all([configurationSize(100, 10), configurationSize(300, 20), configurationSize(1000, 20)]);
  const at100 = sizes[0];
  // Reading a new configuration: gunzip, parse, SHA-256 and ECDSA verify, measured on this machine.
  const verifyCpuMs = measureVerifyCpuMs(at100);
  const containers = 3;
  const refreshInputs = { keptItemBytes: at100.gzipBytes + 64, transferBytes: at100.gzipBytes, containers, verifyCpuMs };
  const refresh = configRefreshMonthly(refreshInputs);
  const before = configRefreshMonthlyBefore({ jsonBytes: at100.jsonBytes, containers });

  const idleMetricLines = idleLines();
  const perGateway = Object.fromEntries(
    Object.entries(GATEWAY_MODES).map(([mode, props]) => {
      const stack = newStack();
      new SildGateway(stack, 'Gateway', {
        instance: 'EE',
        name: 'vehicle-registry',
        account: '555555555555',
        region: 'eu-north-1',
        member: { class: 'GOV', code: '70000009', name: 'Vehicle Registry' },
        subsystems: ['vehicles'],
        central: { url: 'https://central.example.gov', anchor: ANCHOR },
        ...props,
      } as SildGatewayProps);
      const counts = templateCounts(Template.fromStack(stack).toJSON() as { Resources: Record<string, CfnResource> });
      const runs = Object.entries(counts.scheduledRunsPerMonth);
      const sealerRuns = runs.filter(([id]) => id.includes('Sealer')).reduce((sum, [, count]) => sum + count, 0);
      const canaryRuns = runs.filter(([id]) => id.includes('Canary')).reduce((sum, [, count]) => sum + count, 0);
      const { sealer, canary } = RUN_ESTIMATES;
      const inputs: IdleInputs = {
        alarmMetrics: counts.alarmMetrics,
        dashboards: counts.dashboards,
        customMetrics: customMetricsOf(idleMetricLines).length + counts.metricFilterMetrics,
        kmsKeys: counts.kmsKeys,
        webAcls: counts.webAcls,
        wafRules: counts.wafRules,
        wafRequests: counts.webAcls ? canaryRuns * canary.apiRequests : 0,
        lambdaInvocations: sealerRuns + canaryRuns * canary.invocations,
        lambdaGbSeconds: ((sealerRuns * sealer.billedMs + canaryRuns * canary.billedMs) / 1000) * 0.5,
        dynamoWriteUnits: sealerRuns * sealer.writeUnits + canaryRuns * canary.writeUnits,
        logBytes: sealerRuns * sealer.logBytes + canaryRuns * (canary.logBytes + idleMetricLines.reduce((sum, line) => sum + line.length + 1, 0)),
        logRetentionDays: 90,
        kmsRequests: sealerRuns * sealer.kmsSigns + RUN_ESTIMATES.sessionSignsPerMonth,
        configuration: refresh.total + canaryRuns * canary.apiRequests * PRICES.restApiRequest,
      };
      return [mode, { ...idleMonthly(inputs), freeTierSavings: freeTierSavings(inputs), counts }];
    }),
  );

  const centralStack = newStack();
  new SildCentral(centralStack, 'Central', {
    instance: 'EE',
    memberClasses: ['GOV'],
    central: { account: '555555555555', region: 'eu-north-1' },
    agencies: [],
  } as never);
  const centralCounts = templateCounts(Template.fromStack(centralStack).toJSON() as { Resources: Record<string, CfnResource> });
  const publications = Object.values(centralCounts.scheduledRunsPerMonth).reduce((sum, count) => sum + count, 0);
  const { publisher } = RUN_ESTIMATES;
  const s3Puts = publications * publisher.s3Puts;
  // Every version is kept (globalconf/v/<n>.json, immutable): the bucket grows by a month of versions each month.
  const s3GrowthGbPerMonth = (publications * at100.jsonBytes) / 1024 ** 3;
  const central = idleMonthly({
    alarmMetrics: centralCounts.alarmMetrics,
    dashboards: centralCounts.dashboards,
    customMetrics: centralCounts.metricFilterMetrics,
    kmsKeys: centralCounts.kmsKeys,
    webAcls: centralCounts.webAcls,
    wafRules: centralCounts.wafRules,
    wafRequests: 0,
    lambdaInvocations: publications,
    lambdaGbSeconds: ((publications * publisher.billedMs) / 1000) * (publisher.memoryMb / 1024),
    dynamoWriteUnits: publications, // the version counter
    logBytes: publications * publisher.logBytes,
    logRetentionDays: 90,
    kmsRequests: publications * publisher.kmsSigns,
    // S3 PUTs ($0.005 per 1,000) and a month's new versions stored ($0.023 per GB-month, the first month).
    configuration: s3Puts * (0.005 / 1000) + s3GrowthGbPerMonth * 0.023,
  });

  const metrics = customMetricsOf(linesAtScale(300, 10)).length + 1; // + the refresh-failure metric filter
  // Before: six metrics (Messages, Failures, LayerFaults, Duration, RequestBytes, ResponseBytes) for each value of
  // each dimension set — 2 sides, the services, the 300 clients, the outcomes seen.
  const beforeMetrics = 6 * (2 + 10 + 300 + 8) + 5 + 1;
  return {
    idleMonthlyUsdPerGateway: perGateway,
    idleMonthlyUsdCentral: { ...central, counts: centralCounts, s3Puts, s3GrowthGbPerMonth },
    configRefresh: { ...refresh, beforeIssue25: before, containers },
    customMetricsAt300Clients: {
      metrics,
      usd: customMetricsMonthly(metrics),
      beforeIssue25Metrics: beforeMetrics,
      beforeIssue25Usd: customMetricsMonthly(beforeMetrics),
    },
    configurationSizes: sizes,
    assumptions: {
      month: '30 days; list prices without free tiers (bench/cost.ts MONTHLY_PRICES, PRICES, ALL_IN_PRICES)',
      idle: 'no traffic: the templates’ alarms (per metric read), dashboard, KMS keys, web ACL and rules (security defaults, reported apart), the custom metrics the canary keeps alive (its figures, its exchange on both sides) and the metric filters, the sealer and canary schedules (per-run estimates in RUN_ESTIMATES), session certificates, logs kept 90 days, and keeping the configuration fresh at 100 agencies',
      configRefresh: `100 agencies × 10 services (${at100.jsonBytes} B of JSON, ${at100.gzipBytes} B gzipped), ${containers} warm containers refreshing every 60 s, a new version every 60 s, valid 600 s, 100 content changes a month, ${verifyCpuMs.toFixed(2)} ms to read and verify one; the kept copy written on change or at half its validity; CloudFront HTTPS requests and gzip transfer`,
      customMetrics:
        '300 client subsystems × 10 services, both sides, every outcome: the distinct metrics CloudWatch extracts from the adapter’s EMF lines, plus the refresh-failure metric filter; $0.30 each',
      central: `the central stack with its publisher every ${MONTH_SECONDS / Math.max(1, publications) / 60} min (a version each time, two S3 PUTs, one KMS Sign), at 100 agencies`,
    },
  };
}

/**
 * What CloudWatch's always-free tier takes off in an account holding only this gateway: 10 custom metrics, 10 alarm
 * metrics, 3 dashboards (https://aws.amazon.com/cloudwatch/pricing/, Free tier).
 */
export const freeTierSavings = (inputs: Pick<IdleInputs, 'customMetrics' | 'alarmMetrics' | 'dashboards'>) =>
  Math.min(10, inputs.customMetrics) * 0.3 + Math.min(10, inputs.alarmMetrics) * 0.1 + Math.min(3, inputs.dashboards) * 3;

function measureVerifyCpuMs(size: ConfigurationSize): number {
  // A stand-in of the same size: gunzip and JSON.parse of the kept bytes and a SHA-256 of the document; the ECDSA
  // verify itself is ~0.1 ms.
  const json = Buffer.from(JSON.stringify({ document: 'x'.repeat(size.jsonBytes), header: 'h', signature: 's' }));
  const gz = gzipSync(json);
  const started = process.cpuUsage();
  for (let index = 0; index < 20; index += 1) {
    const text = gunzipSync(gz).toString('utf8');
    createHash('sha256').update(JSON.parse(text).document).digest();
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000 / 20 + 0.1;
}
