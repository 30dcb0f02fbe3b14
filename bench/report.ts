/**
 * The benchmark's headline figures, its goals, and the printed summary. Headline figures are taken from fixed
 * scenarios so runs compare: throughput ratio and gateway CPU at the realistic backend, concurrency 8, small body;
 * latency overhead at the realistic backend, concurrency 1, small body.
 */
import type { BundleResult } from './bundles';
import type { Calibration } from './gateway-process';
import { randomUUID } from 'node:crypto';
import { EmfOperationalMonitor } from '../lambdas/adapters/emf-operational-monitor';
import { headersOf, type HttpRequest, type HttpResponse } from '../lambdas/core/kernel/http';
import { MessageTimer, opmonRecord } from '../lambdas/core/exchange/opmon';
import { restProtocol } from '../lambdas/core/exchange/protocols/rest/protocol';
import {
  allInCostPerMillion,
  costPerMillion,
  DEPLOYMENT_MODES,
  type AllInBreakdown,
  type AllInInputs,
  type CostBreakdown,
  type CostInputs,
  type DeploymentMode,
} from './cost';
import type { ExchangeResults, ScenarioResult, Spread } from './scenarios';
import type { SynthResult } from './synth';
import type { ScaleCostReport } from './idle';
import { BUNDLE_TARGET } from '../lib/constructs/sild-function';

/** Memory of each gateway function as deployed (SildFunction's default). */
export const LAMBDA_MEMORY_MB = 512;

export interface Headline {
  readonly throughputRatio?: number;
  readonly throughputRatioInstant32?: number;
  readonly p50OverheadMs?: number;
  readonly gatewayCpuMsPerMessage?: number;
  /**
   * At concurrency 1, as Lambda runs (one request per instance): the headline for CPU and added latency. At 512 MB a
   * function gets about 0.29 vCPU, so each CPU ms here is about 3.4 ms of a Lambda's duration.
   */
  readonly gatewayCpuMsPerMessageC1?: number;
  readonly p50OverheadMsC1?: number;
  /** [min, median, max] over the rounds of the point each headline figure comes from. */
  readonly throughputRatioSpread?: Spread;
  readonly p50OverheadMsSpread?: Spread;
  readonly p50OverheadMsC1Spread?: Spread;
  readonly gatewayCpuMsPerMessageSpread?: Spread;
  readonly gatewayCpuMsPerMessageC1Spread?: Spread;
  readonly kmsSignPerMessage?: number;
  readonly kmsOtherPerMessage?: number;
  readonly dynamoWritesPerMessage?: number;
  readonly dynamoWriteUnitsPerMessage?: number;
  readonly dynamoReadsPerMessage?: number;
  readonly costPerMillionUsd?: number;
  /** All in (storage, PITR, logs, WAF) in the cheapest mode Sild supports (HTTP APIs on both sides). */
  readonly costPerMillionUsdAllIn?: number;
  /** All in, the default mode (IAM consumer HTTP API, REST provider API behind WAF). */
  readonly costPerMillionUsdDefault?: number;
  /** All in, with a private consumer API (REST, VPC endpoints). */
  readonly costPerMillionUsdPrivate?: number;
  /** All in, 64 KB bodies, cheapest mode. */
  readonly costPerMillionUsd64k?: number;
  readonly maxBundleKb?: number;
  readonly maxInitMs?: number;
  /** Init plus the first invocation's lazy SDK set-up (endpoints refusing at once), the slowest function. */
  readonly maxInitWithFirstCallMs?: number;
  readonly synth100Seconds?: number;
  /**
   * A month of a gateway with no traffic, default mode (IAM consumer HTTP API, REST provider API behind WAF),
   * excluding the security defaults (web ACL, KMS key — `scaleCost.idleMonthlyUsdPerGateway` has every mode, with
   * and without them): alarms, dashboard, the custom metrics the canary keeps alive, the sealer and canary schedules
   * with their writes, signatures and logs, keeping the configuration fresh (`bench/idle.ts`, formulas in `bench/cost.ts`).
   */
  readonly idleMonthlyUsdPerGateway?: number;
  /** The central's month with no joins, excluding its web ACL and KMS key: alarms, dashboard, a publication a minute. */
  readonly idleMonthlyUsdCentral?: number;
  /** Keeping one gateway's configuration fresh at 100 agencies × 10 services (`configRefreshMonthly`). */
  readonly configRefreshMonthlyUsdAt100Agencies?: number;
  /** The custom metrics of a registry called by 300 client subsystems (`customMetricsOf` the adapter's lines). */
  readonly customMetricsMonthlyUsdAt300Clients?: number;
  /** Set when the 100-agency synth failed: how long it ran. */
  readonly synth100FailedAfterSeconds?: number;
}

export interface CostReport {
  readonly assumptions: Record<string, string | number>;
  readonly inputs: CostInputs;
  /** Billed Lambda time = measured request wall time (the headline). */
  readonly breakdown: CostBreakdown;
  /** Billed Lambda time = the gateways' measured CPU time (a floor: no waiting at all). */
  readonly cpuFloor: CostBreakdown;
  /** The 64 KB body case (same scenario otherwise). */
  readonly largeBody?: CostBreakdown;
  /** Everything a small message costs, per deployment mode (storage, PITR, logs, WAF included). */
  readonly allIn: Record<DeploymentMode, AllInBreakdown>;
  /** Everything a 64 KB message costs in the cheapest mode. */
  readonly allIn64k?: AllInBreakdown;
}

export interface Goal {
  readonly metric: NumberMetric;
  readonly goal: string;
  readonly target: number;
  readonly direction: 'max' | 'min';
}

/** The headline figures that are single numbers (the rest are their spreads). */
export type NumberMetric = Exclude<keyof Headline, `${string}Spread`>;

export const GOALS: readonly Goal[] = [
  { metric: 'throughputRatio', goal: '≥ 0.8', target: 0.8, direction: 'min' },
  { metric: 'p50OverheadMs', goal: '≤ 3 ms', target: 3, direction: 'max' },
  { metric: 'gatewayCpuMsPerMessage', goal: '≤ 1 ms', target: 1, direction: 'max' },
  { metric: 'gatewayCpuMsPerMessageC1', goal: '≤ 3 ms', target: 3, direction: 'max' },
  // Round 3's goals (issue 25): p50 overhead at c1 ≤ 5 ms, four 1-KB writes a message, 64 KB messages ≤ $15 all in.
  { metric: 'p50OverheadMsC1', goal: '≤ 5 ms', target: 5, direction: 'max' },
  { metric: 'kmsSignPerMessage', goal: '≤ 0.01', target: 0.01, direction: 'max' },
  { metric: 'dynamoWriteUnitsPerMessage', goal: '≤ 4', target: 4, direction: 'max' },
  { metric: 'costPerMillionUsdAllIn', goal: '≤ $5', target: 5, direction: 'max' },
  { metric: 'costPerMillionUsd64k', goal: '≤ $15', target: 15, direction: 'max' },
  { metric: 'maxBundleKb', goal: '≤ 150 KB', target: 150, direction: 'max' },
  { metric: 'maxInitMs', goal: '≤ 60 ms', target: 60, direction: 'max' },
  { metric: 'maxInitWithFirstCallMs', goal: '≤ 100 ms', target: 100, direction: 'max' },
  { metric: 'synth100Seconds', goal: '≤ 60 s', target: 60, direction: 'max' },
  { metric: 'idleMonthlyUsdPerGateway', goal: '≤ $5 a month (no security default removed)', target: 5, direction: 'max' },
  { metric: 'configRefreshMonthlyUsdAt100Agencies', goal: '≤ $1 a month', target: 1, direction: 'max' },
  { metric: 'customMetricsMonthlyUsdAt300Clients', goal: '≤ $10 a month', target: 10, direction: 'max' },
];

export const find = (scenarios: readonly ScenarioResult[], profile: string, body: string, concurrency: number) =>
  scenarios.find((scenario) => scenario.profile === profile && scenario.body === body && scenario.concurrency === concurrency);

export function costReport(scenarios: readonly ScenarioResult[], overall?: ExchangeResults['overall']): CostReport | undefined {
  const counts = find(scenarios, 'realistic', 'small', 8) ?? scenarios.find((scenario) => scenario.body === 'small');
  // Lambda runs one request per instance: the unqueued wall time (concurrency 1) is its billed duration.
  const durations = find(scenarios, 'realistic', 'small', 1) ?? counts;
  if (!counts || !durations) return undefined;
  // KMS: amortized over the whole run where known (session keys are certified once, in whichever run is first).
  const inputs = (scenario: ScenarioResult, lambdaMs: number): CostInputs => ({
    kmsSignPerMessage: overall ? overall.calls.kmsSign : scenario.gateway.calls.kmsSign,
    kmsOtherPerMessage: overall ? overall.calls.kmsOther : scenario.gateway.calls.kmsOther,
    dynamoWriteUnitsPerMessage: scenario.gateway.calls.dynamoWriteUnits,
    dynamoReadUnitsPerMessage: scenario.gateway.calls.dynamoReadUnits,
    lambdaMsPerMessage: lambdaMs,
    lambdaMemoryMb: LAMBDA_MEMORY_MB,
  });
  const wallMs = (scenario: ScenarioResult) => scenario.gateway.consumerMs + scenario.gateway.providerMs;
  const headline = inputs(counts, wallMs(durations));
  const large = find(scenarios, counts.profile, '64k', counts.concurrency);
  const largeDurations = find(scenarios, durations.profile, '64k', 1) ?? large;
  const emfBytes = opmonLineBytes();
  // Per message: an EMF line per side, Lambda's START/END/REPORT lines per invocation (≈ 330 B), an access-log line
  // per API request (≈ 300 B).
  const logBytesPerMessage = 2 * emfBytes + 2 * 330 + 2 * 300;
  const allInOf = (scenario: ScenarioResult, lambdaMs: number): AllInInputs => ({
    ...inputs(scenario, lambdaMs),
    storedBytesPerMessage: scenario.gateway.calls.dynamoItemBytes * scenario.gateway.calls.dynamoWrites,
    s3PutsPerMessage: scenario.gateway.calls.s3Puts,
    s3BytesPerMessage: scenario.gateway.calls.s3PutBytes,
    retentionDays: 30,
    logBytesPerMessage,
    logRetentionDays: 90,
  });
  const allInSmall = allInOf(counts, wallMs(durations));
  return {
    allIn: Object.fromEntries(Object.keys(DEPLOYMENT_MODES).map((mode) => [mode, allInCostPerMillion(allInSmall, mode as DeploymentMode)])) as Record<
      DeploymentMode,
      AllInBreakdown
    >,
    allIn64k: large && largeDurations ? allInCostPerMillion(allInOf(large, wallMs(largeDurations)), 'http') : undefined,
    assumptions: {
      scenario: `${counts.profile} backend (${counts.serviceMs} ms), small body: calls per message at concurrency ${counts.concurrency}, Lambda duration at concurrency ${durations.concurrency}`,
      lambda: `arm64, ${LAMBDA_MEMORY_MB} MB (SildFunction default), 2 invocations per message (consumer, provider); billed duration = measured front wall time (consumer ${durations.gateway.consumerMs.toFixed(1)} ms + provider ${durations.gateway.providerMs.toFixed(1)} ms; includes the backend's service time and local KMS/DynamoDB latency, which is lower than AWS's)`,
      apiGateway: 'REST API, 2 requests per message (consumer API, provider API), $3.50/M',
      kms: `ECC_NIST_P256 requests $0.15/10k (Sign and any other per-message request)${overall ? `, amortized over the whole run (${overall.messages} messages)` : ''}`,
      dynamodb: 'on-demand, $0.625/M WRU (1 KB items, computed from the marshalled items), $0.125/M RRU',
      excluded:
        'central deployment, storage/PITR, CloudWatch Logs, data transfer, key-months, backends (the all-in table adds storage and PITR for 30 days of log retention, CloudWatch Logs and WAF)',
      allIn: `stored: the written items of a message kept 30 days (+ PITR); logs: ${logBytesPerMessage} B per message (2 opmon EMF lines of ${emfBytes} B, Lambda START/END/REPORT, API access logs) kept 90 days; WAF $0.60/M on REST provider APIs; HTTP API $1.00/M, REST $3.50/M`,
    },
    inputs: headline,
    breakdown: costPerMillion(headline),
    cpuFloor: costPerMillion({ ...headline, lambdaMsPerMessage: counts.gateway.cpuMsPerMessage }),
    largeBody: large && largeDurations ? costPerMillion(inputs(large, wallMs(largeDurations))) : undefined,
  };
}

export function headline(
  scenarios: readonly ScenarioResult[],
  bundles: readonly BundleResult[],
  synth: readonly SynthResult[],
  cost?: CostReport,
  overall?: ExchangeResults['overall'],
  scale?: ScaleCostReport,
): Headline {
  const main = find(scenarios, 'realistic', 'small', 8);
  const c1 = find(scenarios, 'realistic', 'small', 1);
  const instant32 = find(scenarios, 'instant', 'small', 32);
  const synth100 = synth.find((result) => result.agencies === 100);
  return {
    throughputRatio: main?.throughputRatio,
    throughputRatioInstant32: instant32?.throughputRatio,
    p50OverheadMs: c1?.p50OverheadMs,
    gatewayCpuMsPerMessage: main?.gateway.cpuMsPerMessage,
    gatewayCpuMsPerMessageC1: c1?.gateway.cpuMsPerMessage,
    p50OverheadMsC1: c1?.p50OverheadMs,
    throughputRatioSpread: main?.spread.throughputRatio,
    p50OverheadMsSpread: c1?.spread.p50OverheadMs,
    p50OverheadMsC1Spread: c1?.spread.p50OverheadMs,
    gatewayCpuMsPerMessageSpread: main?.spread.cpuMsPerMessage,
    gatewayCpuMsPerMessageC1Spread: c1?.spread.cpuMsPerMessage,
    // Over the whole run: in session mode KMS signs once per session key, which one measured run rarely sees.
    kmsSignPerMessage: overall ? overall.calls.kmsSign : main?.gateway.calls.kmsSign,
    kmsOtherPerMessage: overall ? overall.calls.kmsOther : main?.gateway.calls.kmsOther,
    dynamoWritesPerMessage: main?.gateway.calls.dynamoWrites,
    dynamoWriteUnitsPerMessage: main?.gateway.calls.dynamoWriteUnits,
    dynamoReadsPerMessage: main?.gateway.calls.dynamoReads,
    costPerMillionUsd: cost?.breakdown.total,
    costPerMillionUsdAllIn: cost?.allIn.http.total,
    costPerMillionUsdDefault: cost?.allIn.default.total,
    costPerMillionUsdPrivate: cost?.allIn.private.total,
    costPerMillionUsd64k: cost?.allIn64k?.total,
    maxBundleKb: bundles.length ? Math.max(...bundles.map((bundle) => bundle.kb)) : undefined,
    maxInitMs: bundles.length ? Math.max(...bundles.map((bundle) => bundle.initMs)) : undefined,
    maxInitWithFirstCallMs: bundles.some((bundle) => bundle.initWithFirstCallMs !== undefined)
      ? Math.max(...bundles.map((bundle) => bundle.initWithFirstCallMs ?? 0))
      : undefined,
    synth100Seconds: synth100?.seconds,
    synth100FailedAfterSeconds: synth100?.failedAfterSeconds,
    idleMonthlyUsdPerGateway: scale?.idleMonthlyUsdPerGateway.default?.totalExcludingSecurityDefaults,
    idleMonthlyUsdCentral: scale?.idleMonthlyUsdCentral.totalExcludingSecurityDefaults,
    configRefreshMonthlyUsdAt100Agencies: scale?.configRefresh.total,
    customMetricsMonthlyUsdAt300Clients: scale?.customMetricsAt300Clients.usd,
  };
}

/** The monthly costs that do not grow with messages: idle per mode, the central, refresh and metrics at scale. */
export function printScaleCost(scale: ScaleCostReport | undefined, print: (line: string) => void): void {
  if (!scale) return;
  print('A month without traffic (USD, list prices, no free tier), per deployment mode:');
  const modes = Object.keys(scale.idleMonthlyUsdPerGateway);
  const items = [
    'alarms',
    'dashboards',
    'customMetrics',
    'lambda',
    'dynamodb',
    'logs',
    'kmsRequests',
    'configuration',
    'totalExcludingSecurityDefaults',
    'kmsKeys',
    'waf',
    'total',
  ] as const;
  const rows = items.map((item) => [
    item,
    ...modes.map((mode) => fixed(scale.idleMonthlyUsdPerGateway[mode][item])),
    fixed(scale.idleMonthlyUsdCentral[item]),
  ]);
  for (const line of table(['item', ...modes.map((mode) => `gateway ${mode}`), 'central'], rows)) print(`  ${line}`);
  const counts = scale.idleMonthlyUsdPerGateway.default?.counts;
  if (counts)
    print(
      `  gateway (default): ${counts.alarms} alarms reading ${counts.alarmMetrics} metrics, ${counts.dashboards} dashboard, ${counts.kmsKeys} KMS key, ${counts.webAcls} web ACL (${counts.wafRules} rules); CloudWatch's free tier would take off $${fixed(scale.idleMonthlyUsdPerGateway.default.freeTierSavings)} in an account of its own`,
    );
  const refresh = scale.configRefresh;
  print(
    `  configuration refresh at 100 agencies: $${fixed(refresh.total)} (kept-copy writes ${fixed(refresh.archiveWrites, 0)} = $${fixed(refresh.archive)}, CDN requests ${fixed(refresh.fetches, 0)} = $${fixed(refresh.cdnRequests)}, transfer $${fixed(refresh.cdnTransfer)}, Lambda $${fixed(refresh.lambda, 4)}); before issue 25 $${fixed(refresh.beforeIssue25)} at ${refresh.containers} containers`,
  );
  const metrics = scale.customMetricsAt300Clients;
  print(
    `  custom metrics at 300 clients: ${metrics.metrics} = $${fixed(metrics.usd)} (before issue 25: ${metrics.beforeIssue25Metrics} = $${fixed(metrics.beforeIssue25Usd)})`,
  );
  print(
    `  configuration sizes (JSON → gzip): ${scale.configurationSizes.map((size) => `${size.agencies} × ${size.servicesPerAgency} ${fixed(size.jsonBytes / 1024, 0)} → ${fixed(size.gzipBytes / 1024, 0)} KB`).join(', ')}`,
  );
  for (const [name, value] of Object.entries(scale.assumptions)) print(`  ${name}: ${value}`);
}

export interface GoalResult {
  readonly metric: string;
  readonly goal: string;
  readonly measured?: number;
  readonly met?: boolean;
  readonly note?: string;
}

export function goalResults(figures: Headline): GoalResult[] {
  return GOALS.map((goal) => {
    const measured = figures[goal.metric];
    if (goal.metric === 'synth100Seconds' && measured === undefined && figures.synth100FailedAfterSeconds !== undefined) {
      return { metric: goal.metric, goal: goal.goal, met: false, note: `synth fails (after ${figures.synth100FailedAfterSeconds.toFixed(1)} s)` };
    }
    const met =
      measured === undefined || Number.isNaN(measured) ? undefined : goal.direction === 'min' ? measured >= goal.target : measured <= goal.target;
    return { metric: goal.metric, goal: goal.goal, measured, met };
  });
}

// ---- printing ----

const fixed = (value: number | undefined, digits = 2) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));

/** A plain-text table; the first `alignLeft` columns (or the listed ones) are left-aligned, the others right. */
function table(headers: string[], rows: string[][], alignLeft: number | readonly number[] = 1): string[] {
  const widths = headers.map((header, index) => Math.max(header.length, ...rows.map((row) => row[index].length)));
  const left = (index: number) => (typeof alignLeft === 'number' ? index < alignLeft : alignLeft.includes(index));
  const line = (cells: string[]) => cells.map((cell, index) => (left(index) ? cell.padEnd(widths[index]) : cell.padStart(widths[index]))).join('  ');
  return [line(headers), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)];
}

export function printScenarios(scenarios: readonly ScenarioResult[], print: (line: string) => void): void {
  print('Exchange: direct (a) vs through consumer gateway → provider gateway (b); latency in ms, throughput in req/s');
  const rows = scenarios.map((scenario) => [
    `${scenario.profile}${scenario.serviceMs ? ` ${scenario.serviceMs}ms` : ''}`,
    scenario.body,
    String(scenario.concurrency),
    fixed(scenario.direct.throughput, 0),
    fixed(scenario.direct.p50Ms),
    fixed(scenario.direct.p99Ms),
    fixed(scenario.layer.throughput, 0),
    fixed(scenario.layer.p50Ms),
    fixed(scenario.layer.p99Ms),
    fixed(scenario.throughputRatio, 3),
    fixed(scenario.p50OverheadMs),
    fixed(scenario.gateway.cpuMsPerMessage),
    fixed(scenario.gateway.emulatorCpuMsPerMessage),
    fixed(scenario.gateway.calls.kmsSign),
    fixed(scenario.gateway.calls.dynamoWrites),
    fixed(scenario.gateway.calls.dynamoWriteUnits, 1),
    `${fixed(scenario.gateway.consumerMs, 1)}+${fixed(scenario.gateway.providerMs, 1)}`,
    String(scenario.direct.failed + scenario.layer.failed),
  ]);
  for (const line of table(
    [
      'backend',
      'body',
      'conc',
      'a req/s',
      'a p50',
      'a p99',
      'b req/s',
      'b p50',
      'b p99',
      'b/a',
      '+p50',
      'gw CPU/msg',
      'emu CPU/msg',
      'Sign/msg',
      'writes/msg',
      'WRU/msg',
      'front ms c+p',
      'errors',
    ],
    rows,
    2,
  )) {
    print(`  ${line}`);
  }
}

export function printCalls(scenarios: readonly ScenarioResult[], calibration: Calibration | undefined, print: (line: string) => void): void {
  const main = find(scenarios, 'realistic', 'small', 8) ?? scenarios[0];
  if (!main) return;
  const { calls } = main.gateway;
  print(`AWS calls by the gateways per message (${main.profile}, ${main.body}, concurrency ${main.concurrency}; ${main.gateway.messages} messages):`);
  for (const [operation, count] of Object.entries(calls.byOperation)) print(`  ${operation.padEnd(24)} ${count.toFixed(3)}`);
  print(
    `  DynamoDB: ${fixed(calls.dynamoWriteUnits, 2)} write units per message (${fixed(calls.dynamoIndexWriteUnits, 2)} of them GSI), mean item ${fixed(calls.dynamoItemBytes, 0)} B; reads ${fixed(calls.dynamoReads, 3)}`,
  );
  const central = Object.entries(main.gateway.centralCalls.byOperation);
  print(
    `  central during the run (total, not per message): ${central.length ? central.map(([operation, count]) => `${operation} ${count}`).join(', ') : 'none'}`,
  );
  // The calibration calls one thing at a time, so it is compared with the concurrency-1 run (under concurrency
  // the per-call CPU drops: event-loop turns and syscalls are shared).
  const sequential = find(scenarios, main.profile, main.body, 1);
  if (calibration && sequential) {
    const { calls: c1Calls, cpuMsPerMessage: total } = sequential.gateway;
    // The gateways write their log records without the SDK (ADR 0009): those writes cost the SDK-less figure.
    const sdk =
      c1Calls.kmsSign * calibration.kmsSignCpuMs +
      c1Calls.kmsOther * calibration.kmsSignCpuMs +
      c1Calls.dynamoWrites * calibration.bareDynamoPutCpuMs;
    const http = 2 * calibration.fetchCpuMs;
    const share = (part: number) => `${fixed(part)} ms (${fixed(Math.min(100, (100 * part) / total), 0)}%)`;
    print(
      `  CPU per message at concurrency 1 (${fixed(total)} ms) against the calibration: AWS calls (log writes without the SDK) ≈ ${share(sdk)}, 2 outbound fetches ≈ ${share(http)},` +
        ` everything else (fronts, hashing, manifests, signing, verification, logging) ≈ ${fixed(Math.max(0, total - sdk - http))} ms`,
    );
  }
}

/** The size of a real opmon EMF line: the core's record of a typical exchange, through the adapter. */
function opmonLineBytes(): number {
  let bytes = 0;
  const request: HttpRequest = {
    method: 'GET',
    rawPath: '/r1/DEV/GOV/70000001/population/persons/123',
    rawQuery: '',
    headers: headersOf([['x-road-client', 'DEV/GOV/70000002/tax-records']]),
    body: Buffer.alloc(0),
  };
  const response: HttpResponse = {
    status: 200,
    headers: headersOf([
      ['x-road-id', randomUUID()],
      ['x-road-request-id', randomUUID()],
    ]),
    body: Buffer.alloc(82),
  };
  const timer = new MessageTimer(Date.now);
  new EmfOperationalMonitor('DEV/GOV/70000001/population-registry', (line) => (bytes = Buffer.byteLength(line) + 1)).record(
    opmonRecord('Producer', 'DEV/GOV/70000001/population-registry', request, response, timer, Date.now(), restProtocol),
  );
  return bytes;
}

export function printCost(cost: CostReport | undefined, print: (line: string) => void): void {
  if (!cost) return;
  print('Cost per million messages on AWS (list prices, USD):');
  const rows = (['apiGateway', 'lambdaRequests', 'lambdaCompute', 'kms', 'dynamoWrites', 'dynamoReads', 'total'] as const).map((item) => [
    item,
    fixed(cost.breakdown[item]),
    fixed(cost.cpuFloor[item]),
    fixed(cost.largeBody?.[item]),
  ]);
  for (const line of table(['item', 'small body', 'CPU-time floor', '64 KB body'], rows)) print(`  ${line}`);
  print('  All in (+ storage and PITR, bodies in S3, CloudWatch Logs, WAF), per deployment mode:');
  const allInRows = (
    [
      'apiGateway',
      'waf',
      'lambdaRequests',
      'lambdaCompute',
      'kms',
      'dynamoWrites',
      'dynamoReads',
      'dynamoStorage',
      'dynamoPitr',
      's3Requests',
      's3Storage',
      'logs',
      'total',
    ] as const
  ).map((item) => [
    item,
    ...(Object.keys(DEPLOYMENT_MODES) as DeploymentMode[]).map((mode) => fixed(cost.allIn[mode][item])),
    fixed(cost.allIn64k?.[item]),
  ]);
  for (const line of table(['item', 'http (cheapest)', 'default', 'private', '64 KB, http'], allInRows)) print(`  ${line}`);
  for (const [name, value] of Object.entries(cost.assumptions)) print(`  ${name}: ${value}`);
}

export function printBundles(bundles: readonly BundleResult[], print: (line: string) => void): void {
  if (!bundles.length) return;
  print(
    `Lambda bundles (esbuild as SildFunction: ${BUNDLE_TARGET}, cjs, minified, @aws-sdk/* external); init = require + handler construction, median:`,
  );
  const rows = bundles.map((bundle) => [
    bundle.name,
    bundle.entry,
    fixed(bundle.kb, 1),
    fixed(bundle.initMs, 1),
    fixed(bundle.initMsNoSourceMaps, 1),
    fixed(bundle.initWithFirstCallMs, 1),
    bundle.spread?.initWithFirstCallMs ? `${fixed(bundle.spread.initWithFirstCallMs[0], 0)}–${fixed(bundle.spread.initWithFirstCallMs[2], 0)}` : '',
    fixed(bundle.sdkInInitMs, 1),
    fixed(bundle.sdkInFirstCallMs, 1),
    fixed(bundle.sdkRequireMs, 1),
    bundle.topInputs
      .slice(0, 3)
      .map((input) => `${input.input} ${input.kb} KB`)
      .join(', '),
  ]);
  for (const line of table(
    ['function', 'entry', 'KB', 'init ms', 'no maps', '+1st call', '(min–max)', 'SDK in init', 'SDK in +1st', 'all SDK alone', 'largest inputs'],
    rows,
    2,
  ))
    print(`  ${line}`);
}

export function printSynth(synth: readonly SynthResult[], print: (line: string) => void): void {
  if (!synth.length) return;
  print('cdk synth (the CDK CLI, generated configs; wall time):');
  for (const result of synth) {
    const figure =
      result.seconds !== undefined
        ? `${result.seconds.toFixed(1)} s, ${result.stacks} stacks`
        : result.failedAfterSeconds !== undefined
          ? `FAILED after ${result.failedAfterSeconds.toFixed(1)} s`
          : 'not measured';
    print(`  ${String(result.agencies).padStart(3)} agencies: ${figure}${result.note ? ` — ${result.note}` : ''}`);
  }
}

export function printGoals(goals: readonly GoalResult[], print: (line: string) => void): void {
  print('Goals (a goal not met is a figure to report):');
  const rows = goals.map((goal) => [
    goal.metric,
    goal.goal,
    fixed(goal.measured, goal.metric === 'kmsSignPerMessage' ? 4 : 2),
    `${goal.met === undefined ? 'not measured' : goal.met ? 'met' : 'NOT met'}${goal.note ? ` — ${goal.note}` : ''}`,
  ]);
  for (const line of table(['metric', 'goal', 'measured', 'verdict'], rows, [0, 1, 3])) print(`  ${line.trimEnd()}`);
}

/** One memory size of the power-tuning estimate. */
export interface MemoryChoice {
  readonly memoryMb: number;
  readonly vcpu: number;
  /** Both functions' duration per message, ms (estimated). */
  readonly durationMs: number;
  /** Lambda's part of a million messages (requests + GB-s), USD. */
  readonly lambdaUsdPerMillion: number;
}

/**
 * Which memory size to give the gateway functions: Lambda allots CPU in proportion to memory (1,769 MB = one vCPU;
 * Node runs the handler on one thread, so more than one vCPU does not speed it up). From the measured c1 point: the
 * functions' wall time minus their CPU time is waiting (KMS, DynamoDB, the backend, the other side), which memory
 * does not change; the CPU time stretches by 1 / vCPU share. An estimate from measured figures, not a measurement
 * on Lambda.
 */
export function memoryChoices(scenarios: readonly ScenarioResult[], sizes: readonly number[] = [256, 512, 1024, 1769, 3008]): MemoryChoice[] {
  const c1 = find(scenarios, 'realistic', 'small', 1);
  if (!c1) return [];
  const wallMs = c1.gateway.consumerMs + c1.gateway.providerMs;
  const cpuMs = c1.gateway.cpuMsPerMessage;
  const waitMs = Math.max(0, wallMs - cpuMs);
  return sizes.map((memoryMb) => {
    const vcpu = memoryMb / 1769;
    const durationMs = waitMs + cpuMs / Math.min(1, vcpu);
    const cost = costPerMillion({
      kmsSignPerMessage: 0,
      kmsOtherPerMessage: 0,
      dynamoWriteUnitsPerMessage: 0,
      dynamoReadUnitsPerMessage: 0,
      lambdaMsPerMessage: durationMs,
      lambdaMemoryMb: memoryMb,
      apiRequestsPerMessage: 0,
    });
    return { memoryMb, vcpu, durationMs, lambdaUsdPerMillion: cost.lambdaRequests + cost.lambdaCompute };
  });
}

export function printMemoryChoices(choices: readonly MemoryChoice[], print: (line: string) => void): void {
  if (!choices.length) return;
  print('Memory size (estimate from the c1 point: waiting stays, CPU time stretches by 1 / vCPU share):');
  const best = Math.min(...choices.map((choice) => choice.durationMs * choice.lambdaUsdPerMillion));
  const rows = choices.map((choice) => [
    `${choice.memoryMb} MB`,
    fixed(choice.vcpu, 2),
    fixed(choice.durationMs, 1),
    fixed(choice.lambdaUsdPerMillion, 2),
    choice.durationMs * choice.lambdaUsdPerMillion === best ? 'best cost × latency' : '',
  ]);
  for (const line of table(['memory', 'vCPU', 'ms per message (both sides)', 'Lambda $/M', ''], rows)) print(`  ${line}`);
}
