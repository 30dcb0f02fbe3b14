/**
 * The all-in cost model: what each deployment mode's fronts cost per message, and storage, PITR and logs priced for a
 * steady flow kept for the retention — so the benchmark's dollars add up to what a bill would show.
 */
import { allInCostPerMillion, type AllInInputs } from '../../bench/cost';

const inputs: AllInInputs = {
  kmsSignPerMessage: 0,
  kmsOtherPerMessage: 0,
  dynamoWriteUnitsPerMessage: 14,
  dynamoReadUnitsPerMessage: 0,
  lambdaMsPerMessage: 100,
  lambdaMemoryMb: 512,
  storedBytesPerMessage: 8 * 1024,
  retentionDays: 30,
  logBytesPerMessage: 4 * 1024,
  logRetentionDays: 90,
};

describe('allInCostPerMillion', () => {
  test('the fronts of each mode: HTTP APIs $2, the default $4.50 + WAF $0.60, private $7 + WAF $0.60', () => {
    expect(allInCostPerMillion(inputs, 'http')).toMatchObject({ apiGateway: 2, waf: 0 });
    expect(allInCostPerMillion(inputs, 'default').apiGateway).toBeCloseTo(4.5);
    expect(allInCostPerMillion(inputs, 'default').waf).toBeCloseTo(0.6);
    expect(allInCostPerMillion(inputs, 'private').apiGateway).toBeCloseTo(7);
  });

  test('storage and PITR for a month of messages kept 30 days; log ingestion and 90 days of log storage; the total adds up', () => {
    const cost = allInCostPerMillion(inputs, 'http');
    const storedGb = (8 * 1024 * 1e6) / 1024 ** 3;
    expect(cost.dynamoStorage).toBeCloseTo(storedGb * 0.25);
    expect(cost.dynamoPitr).toBeCloseTo(storedGb * 0.2);
    const logGb = (4 * 1024 * 1e6) / 1024 ** 3;
    expect(cost.logs).toBeCloseTo(logGb * 0.5 + logGb * 3 * 0.03);
    const { total, ...items } = cost;
    expect(total).toBeCloseTo(Object.values(items).reduce((sum, value) => sum + value, 0));
    expect(cost.dynamoWrites).toBeCloseTo(14 * 0.625);
  });

  test('bodies kept in S3: $5 per million PUTs and $0.023 per GB-month for the retention', () => {
    const cost = allInCostPerMillion({ ...inputs, s3PutsPerMessage: 2, s3BytesPerMessage: 128 * 1024 }, 'http');
    expect(cost.s3Requests).toBeCloseTo(10);
    expect(cost.s3Storage).toBeCloseTo(((128 * 1024 * 1e6) / 1024 ** 3) * 0.023);
    expect(cost.total - allInCostPerMillion(inputs, 'http').total).toBeCloseTo(cost.s3Requests + cost.s3Storage);
  });
});

describe('memoryChoices', () => {
  test('waiting stays, CPU stretches by 1 / vCPU share (capped at one vCPU); the cost follows GB-s', async () => {
    const { memoryChoices } = await import('../../bench/report');
    const scenario = { profile: 'realistic', body: 'small', concurrency: 1, gateway: { consumerMs: 30, providerMs: 20, cpuMsPerMessage: 10 } };
    const [small, , , one, large] = memoryChoices([scenario as never]);
    expect(small.durationMs).toBeCloseTo(40 + 10 / (256 / 1769));
    expect(one.durationMs).toBeCloseTo(50);
    expect(large.durationMs).toBeCloseTo(50);
    expect(large.lambdaUsdPerMillion).toBeGreaterThan(one.lambdaUsdPerMillion);
  });
});

describe('costs that do not grow with messages (issue 25)', () => {
  test('configuration refresh: kept-copy writes per container = month / (validity / 2) + changes, ⌈item / 1 KB⌉ units each; CDN requests and gzip transfer; verify CPU', async () => {
    const { configRefreshMonthly, MONTH_SECONDS } = await import('../../bench/cost');
    const cost = configRefreshMonthly({ keptItemBytes: 18_700, transferBytes: 18_700, containers: 3, verifyCpuMs: 1, contentChangesPerMonth: 100 });
    const writes = 3 * (MONTH_SECONDS / 300 + 100);
    expect(cost.archiveWrites).toBe(writes);
    expect(cost.archiveWriteUnits).toBe(writes * 19);
    expect(cost.archive).toBeCloseTo((writes * 19 * 0.625) / 1e6);
    expect(cost.fetches).toBe(3 * 43_200);
    expect(cost.cdnRequests).toBeCloseTo((3 * 43_200 * 0.01) / 10_000);
    expect(cost.cdnTransfer).toBeCloseTo(((3 * 43_200 * 18_700) / 1024 ** 3) * 0.085);
    expect(cost.lambda).toBeCloseTo(3 * 43_200 * 0.001 * 0.5 * 0.0000133334);
    expect(cost.total).toBeCloseTo(cost.archive + cost.cdnRequests + cost.cdnTransfer + cost.lambda);
    // Refreshing more often than the central publishes adds requests (304s), not downloads or writes.
    const often = configRefreshMonthly({ keptItemBytes: 18_700, transferBytes: 18_700, containers: 3, verifyCpuMs: 1, refreshSeconds: 15 });
    expect({ writes: often.archiveWrites, transfer: often.cdnTransfer }).toEqual({ writes: cost.archiveWrites, transfer: cost.cdnTransfer });
    expect(often.fetches).toBe(4 * cost.fetches);
  });

  test('before issue 25: two whole-document writes and a full download per refresh per container (≈ $75 a month at 10 containers and 100 agencies)', async () => {
    const { configRefreshMonthlyBefore } = await import('../../bench/cost');
    const before = configRefreshMonthlyBefore({ jsonBytes: 148_370, containers: 10 });
    const refreshes = 10 * 43_200;
    expect(before).toBeCloseTo((refreshes * 2 * 145 * 0.625) / 1e6 + (refreshes * 0.01) / 10_000 + ((refreshes * 148_370) / 1024 ** 3) * 0.085);
    expect(before).toBeGreaterThan(75);
  });

  test('idle: $0.10 per alarm metric, $3 per dashboard, $0.30 per custom metric; KMS keys and WAF apart as security defaults', async () => {
    const { idleMonthly } = await import('../../bench/cost');
    const idle = idleMonthly({
      alarmMetrics: 30,
      dashboards: 1,
      customMetrics: 13,
      kmsKeys: 1,
      webAcls: 1,
      wafRules: 2,
      wafRequests: 1e6,
      lambdaInvocations: 1e6,
      lambdaGbSeconds: 1000,
      dynamoWriteUnits: 1e6,
      logBytes: 1024 ** 3,
      logRetentionDays: 90,
      kmsRequests: 10_000,
      configuration: 0.5,
    });
    expect(idle).toMatchObject({ alarms: 3, dashboards: 3, kmsKeys: 1 });
    expect(idle.customMetrics).toBeCloseTo(3.9);
    expect(idle.waf).toBeCloseTo(5 + 2 + 0.6);
    expect(idle.lambda).toBeCloseTo(0.2 + 1000 * 0.0000133334);
    expect(idle.dynamodb).toBeCloseTo(0.625);
    expect(idle.logs).toBeCloseTo(0.5 + 3 * 0.03);
    expect(idle.kmsRequests).toBeCloseTo(0.15);
    const { total, totalExcludingSecurityDefaults, kmsKeys, waf, ...items } = idle;
    expect(totalExcludingSecurityDefaults).toBeCloseTo(Object.values(items).reduce((sum, value) => sum + value, 0));
    expect(total).toBeCloseTo(totalExcludingSecurityDefaults + kmsKeys + waf);
  });

  test('custom metrics are counted as CloudWatch extracts them: one per metric, dimension set and set of values', async () => {
    const { customMetricsOf } = await import('../../bench/cost');
    const line = (side: string, outcome?: string) =>
      JSON.stringify({
        _aws: {
          Timestamp: 0,
          CloudWatchMetrics: [
            { Namespace: 'Sild', Dimensions: [['Gateway', 'Side']], Metrics: [{ Name: 'Messages' }, { Name: 'Duration' }] },
            ...(outcome ? [{ Namespace: 'Sild', Dimensions: [['Gateway', 'Outcome']], Metrics: [{ Name: 'Messages' }] }] : []),
          ],
        },
        Gateway: 'g',
        Side: side,
        Outcome: outcome,
      });
    expect(customMetricsOf([line('consumer'), line('consumer'), line('provider'), line('consumer', 'x'), line('provider', 'x')])).toHaveLength(5);
  });

  test('template counts: alarm metrics (a math alarm reads each operand), dashboards, keys, web ACL rules, metric-filter metrics, schedules', async () => {
    const { templateCounts } = await import('../../bench/idle');
    const counts = templateCounts({
      Resources: {
        A: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'X' } },
        B: { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [{ MetricStat: {} }, { MetricStat: {} }, { Expression: 'a+b' }] } },
        D: { Type: 'AWS::CloudWatch::Dashboard', Properties: {} },
        K: { Type: 'AWS::KMS::Key', Properties: {} },
        W: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: [{}, {}] } },
        F1: { Type: 'AWS::Logs::MetricFilter', Properties: { MetricTransformations: [{ MetricNamespace: 'n', MetricName: 'm' }] } },
        F2: { Type: 'AWS::Logs::MetricFilter', Properties: { MetricTransformations: [{ MetricNamespace: 'n', MetricName: 'm' }] } },
        S: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(5 minutes)' } },
      },
    });
    expect(counts).toEqual({
      alarms: 2,
      alarmMetrics: 3,
      dashboards: 1,
      kmsKeys: 1,
      webAcls: 1,
      wafRules: 2,
      metricFilterMetrics: 1,
      scheduledRunsPerMonth: { S: 8640 },
    });
  });

  test('the headline takes the default mode without the security defaults, and the goals name the four figures', async () => {
    const { GOALS, headline } = await import('../../bench/report');
    const scale = {
      idleMonthlyUsdPerGateway: { default: { totalExcludingSecurityDefaults: 4, total: 12 } },
      idleMonthlyUsdCentral: { totalExcludingSecurityDefaults: 5 },
      configRefresh: { total: 0.6 },
      customMetricsAt300Clients: { usd: 5.7 },
    };
    expect(headline([], [], [], undefined, undefined, scale as never)).toMatchObject({
      idleMonthlyUsdPerGateway: 4,
      idleMonthlyUsdCentral: 5,
      configRefreshMonthlyUsdAt100Agencies: 0.6,
      customMetricsMonthlyUsdAt300Clients: 5.7,
    });
    expect(GOALS.filter((goal) => /Monthly/.test(goal.metric)).map((goal) => [goal.metric, goal.target])).toEqual([
      ['idleMonthlyUsdPerGateway', 5],
      ['configRefreshMonthlyUsdAt100Agencies', 1],
      ['customMetricsMonthlyUsdAt300Clients', 10],
    ]);
  });

  test("round 3's per-message goals: four write units, p50 overhead at c1 ≤ 5 ms, 64 KB messages ≤ $15 all in; a figure over its goal is reported as not met", async () => {
    const { GOALS, goalResults } = await import('../../bench/report');
    const target = (metric: string) => GOALS.find((goal) => goal.metric === metric)?.target;
    expect([target('dynamoWriteUnitsPerMessage'), target('p50OverheadMsC1'), target('costPerMillionUsd64k')]).toEqual([4, 5, 15]);
    const verdict = (figures: object, metric: string) => goalResults(figures as never).find((result) => result.metric === metric)?.met;
    expect(verdict({ dynamoWriteUnitsPerMessage: 4 }, 'dynamoWriteUnitsPerMessage')).toBe(true);
    expect(verdict({ dynamoWriteUnitsPerMessage: 4.2 }, 'dynamoWriteUnitsPerMessage')).toBe(false);
  });
});
