/**
 * GatewayMonitoring (as SildGateway builds it) promises an alarm for each way a gateway fails or is about to fail
 * closed — canary, seal lag, configuration age and refresh failures, layer faults, 5xx rates, each function's errors,
 * throttles and (when reserved) concurrency, the account's claimed concurrency, DynamoDB system errors and throttles — every one notifying the stack's topic when it
 * fires and when it recovers, e-mail subscriptions from the config, and a dashboard.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { SildGateway, type SildGatewayProps } from '../../../lib/constructs/sild-gateway';
import { constructStack, mathAlarmsWithUnfilledOperands, minimalGatewayConfig, resourceAt, resourcesOfType } from '../../support/synth';

const props = (monitoring?: SildGatewayProps['monitoring'], sealing?: SildGatewayProps['sealing']): SildGatewayProps => ({
  ...minimalGatewayConfig(),
  monitoring,
  sealing,
});

function synthesized(gateway: SildGatewayProps) {
  const { stack } = constructStack();
  new SildGateway(stack, 'Gateway', gateway);
  const json = Template.fromStack(stack).toJSON();
  const alarms = Object.values(resourcesOfType(json, 'AWS::CloudWatch::Alarm'));
  const byName = (suffix: string) => {
    const found = Object.entries(resourcesOfType(json, 'AWS::CloudWatch::Alarm')).filter(([, alarm]) =>
      String(alarm.Metadata['aws:cdk:path']).endsWith(`/Monitoring/Alarms/${suffix}/Resource`),
    );
    expect(found).toHaveLength(1);
    return found[0][1].Properties;
  };
  return { json, alarms, byName, topic: resourceAt(json, '/Monitoring/Alarms/Topic/Resource') };
}

const { json, alarms, byName, topic } = synthesized(props());
const expressionOf = (alarm: any) =>
  alarm.Metrics.find((entry: { Expression?: string; ReturnData?: boolean }) => entry.Expression !== undefined && entry.ReturnData !== false)
    .Expression;

describe('GatewayMonitoring', () => {
  test('every alarm notifies the topic when it fires and when it recovers', () => {
    const names = alarms.map((alarm) => String(alarm.Metadata['aws:cdk:path']).split('/').slice(-2, -1)[0]).sort();
    expect(names).toEqual(
      [
        'CanaryFailing',
        'SealLag',
        'GlobalConfAge',
        'GlobalConfRefreshFailures',
        'LayerFaults',
        'ConsumerServerErrorRate',
        'ProviderApiServerErrorRate',
        ...['Consumer', 'Provider', 'Sealer', 'Canary'].flatMap((fn) => [`${fn}FunctionErrors`, `${fn}FunctionThrottles`]),
        'AccountConcurrency',
        'TableSystemErrors',
        'TableThrottles',
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic.logicalId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topic.logicalId }]);
      expect(alarm.Properties.AlarmDescription).toMatch(/^Sild EE gateway vehicle-registry: /);
    }
  });

  test('the canary alarm fires after two failed runs, or when the canary does not run at all', () => {
    expect(byName('CanaryFailing')).toMatchObject({
      MetricName: 'CanaryFailures',
      Namespace: 'Sild',
      Dimensions: expect.arrayContaining([{ Name: 'Gateway', Value: 'EE/GOV/70000009/vehicle-registry' }]),
      Period: 300,
      EvaluationPeriods: 2,
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  test('seal lag fires at half of maxLagSeconds; configuration age at half of its validity', () => {
    expect(byName('SealLag')).toMatchObject({ MetricName: 'SealLagSeconds', Threshold: 300, ComparisonOperator: 'GreaterThanThreshold' });
    expect(synthesized(props(undefined, { maxLagSeconds: 1200 })).byName('SealLag')).toMatchObject({ Threshold: 600 });
    expect(byName('GlobalConfAge')).toMatchObject({ MetricName: 'GlobalConfAgePercent', Threshold: 50 });
  });

  test('refresh failures are counted from the consumer, provider and canary logs', () => {
    const filters = Object.values(resourcesOfType(json, 'AWS::Logs::MetricFilter'));
    expect(filters).toHaveLength(3);
    for (const filter of filters) {
      expect(filter.Properties).toMatchObject({
        FilterPattern: '{ $.message = "globalconf-refresh-failed" }',
        MetricTransformations: [
          { MetricNamespace: 'Sild/EE/vehicle-registry', MetricName: 'GlobalConfRefreshFailures', MetricValue: '1', DefaultValue: 0 },
        ],
      });
    }
    expect(byName('GlobalConfRefreshFailures')).toMatchObject({
      MetricName: 'GlobalConfRefreshFailures',
      Namespace: 'Sild/EE/vehicle-registry',
      Threshold: 3,
    });
  });

  // A side's opmon metrics exist only when it handled a message: unfilled, `consumer + provider` had a point only
  // when both sides had traffic in the same minute — never, on a gateway that only consumes.
  test('layer faults on either side fire at the first one, each side filled with 0 where it reported nothing', () => {
    const layer = byName('LayerFaults');
    expect(layer.Threshold).toBe(1);
    expect(layer.Metrics.map((entry: { Id: string }) => entry.Id).sort()).toEqual(['consumer', 'expr_1', 'provider'].sort());
    expect(expressionOf(layer)).toBe('FILL(consumer, 0) + FILL(provider, 0)');
  });

  test("the provider API's 5xx rate above 5 %; the consumer is paged for its own 5xx only, not for providers' and backends' faults it relays", () => {
    expect(byName('ProviderApiServerErrorRate')).toMatchObject({ Threshold: 5 });
    expect(expressionOf(byName('ProviderApiServerErrorRate'))).toBe('IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)');
    const consumer = byName('ConsumerServerErrorRate');
    expect(consumer).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    const outcomes = consumer.Metrics.filter((entry: any) => entry.MetricStat).map((entry: any) =>
      entry.MetricStat.Metric.Dimensions.find((dimension: { Name: string }) => ['Outcome', 'Side'].includes(dimension.Name)),
    );
    expect(outcomes).toEqual([
      { Name: 'Side', Value: 'consumer' },
      ...['InternalError', 'LoggingFailed', 'SigningFailed', 'DatabaseError', 'TimestampingFailed', 'OutdatedGlobalConf'].map((code) => ({
        Name: 'Outcome',
        Value: `Server.ClientProxy.${code}`,
      })),
    ]);
    // What the consumer answers for a provider's or backend's fault is not its own.
    expect(JSON.stringify(consumer)).not.toMatch(/Server\.ServerProxy|NetworkError|InvalidSignatureValue/);
    expect(expressionOf(consumer)).toMatch(
      /^IF\(messages > 0, 100 \* \(FILL\(internalerror, 0\) \+ FILL\(loggingfailed, 0\) \+ .*\) \/ messages, 0\)$/,
    );
    expect(alarms.filter((alarm) => /ConsumerApi/.test(String(alarm.Metadata['aws:cdk:path'])))).toEqual([]);
  });

  // DynamoDB writes SystemErrors and ThrottledRequests per operation only when they happen: an unfilled sum over
  // PutItem, GetItem and Query had a point only when all three failed in one period.
  test('table system errors and throttles sum over the operations, each filled with 0', () => {
    for (const [name, metricName] of [
      ['TableSystemErrors', 'SystemErrors'],
      ['TableThrottles', 'ThrottledRequests'],
    ]) {
      const alarm = byName(name);
      expect(expressionOf(alarm)).toBe('FILL(putitem, 0) + FILL(getitem, 0) + FILL(query, 0)');
      expect(
        alarm.Metrics.filter((entry: any) => entry.MetricStat).map((entry: any) => [
          entry.Id,
          entry.MetricStat.Metric.MetricName,
          entry.MetricStat.Stat,
          entry.MetricStat.Period,
        ]),
      ).toEqual([
        ['putitem', metricName, 'Sum', 300],
        ['getitem', metricName, 'Sum', 300],
        ['query', metricName, 'Sum', 300],
      ]);
      expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
  });

  test('every metric-math alarm fills each operand it adds up (a divisor is guarded by IF instead)', () => {
    expect(mathAlarmsWithUnfilledOperands(json)).toEqual([]);
  });

  test("unreserved by default: the account's claimed concurrency at 80 % of lambdaConcurrencyQuota; a reserved function's concurrency at 80 % of its reservation", () => {
    expect(byName('AccountConcurrency')).toMatchObject({
      MetricName: 'ClaimedAccountConcurrency',
      Namespace: 'AWS/Lambda',
      Threshold: 800,
      EvaluationPeriods: 3,
    });
    const reserved = synthesized({ ...props(), concurrency: { consumer: 100, sealer: 2 }, lambdaConcurrencyQuota: 2000 });
    expect(reserved.byName('ConsumerFunctionConcurrency')).toMatchObject({ MetricName: 'ConcurrentExecutions', Threshold: 80, EvaluationPeriods: 3 });
    // The sealer runs every minute at concurrency 1: its alarm sits at 2 (an overlapping run), not 1.
    expect(reserved.byName('SealerFunctionConcurrency')).toMatchObject({ Threshold: 2 });
    expect(reserved.alarms.filter((alarm) => alarm.Properties.MetricName === 'ConcurrentExecutions')).toHaveLength(2);
    expect(reserved.byName('AccountConcurrency')).toMatchObject({ Threshold: 102 + Math.floor(0.8 * (2000 - 102)) });
  });

  test('the topic accepts TLS only; e-mail subscriptions come from monitoring.alarmEmails', () => {
    expect(resourcesOfType(json, 'AWS::SNS::Subscription')).toEqual({});
    const mailed = synthesized(props({ alarmEmails: ['ops@agency.example', 'oncall@agency.example'] })).json;
    expect(
      Object.values(resourcesOfType(mailed, 'AWS::SNS::Subscription')).map((subscription) => [
        subscription.Properties.Protocol,
        subscription.Properties.Endpoint,
      ]),
    ).toEqual([
      ['email', 'ops@agency.example'],
      ['email', 'oncall@agency.example'],
    ]);
    const policy = Object.values(resourcesOfType(json, 'AWS::SNS::TopicPolicy'))[0].Properties.PolicyDocument.Statement;
    expect(policy).toEqual(
      expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
    );
  });

  test('a dashboard named after the instance and agency, with the messages, latency, seal lag, configuration age, cost drivers and alarms', () => {
    const dashboard = resourceAt(json, '/Monitoring/Dashboard/Resource').resource.Properties;
    expect(dashboard.DashboardName).toBe('Sild-EE-vehicle-registry');
    const body = JSON.stringify(dashboard.DashboardBody);
    for (const title of [
      'Messages and failures',
      'Duration (ms)',
      'Layer faults',
      'Seal lag (s)',
      'Global configuration age',
      'Canary',
      'Message log (cost: write units)',
      'API requests and 5xx',
      'Alarms',
    ])
      expect(body).toContain(title);
  });

  // Before the central URL and anchor are configured the canary could only fail: no schedule, and no alarm that would
  // count its missing data as failing.
  test('without the central configured, the canary does not run and has no alarm', () => {
    const unconfigured = synthesized({ ...props(), central: {} });
    expect(Object.values(resourcesOfType(unconfigured.json, 'AWS::Events::Rule')).map((rule) => rule.Properties.Description)).toEqual([
      expect.stringMatching(/^Seals the message log/),
    ]);
    expect(unconfigured.alarms.map((alarm) => String(alarm.Metadata['aws:cdk:path']))).not.toContainEqual(expect.stringMatching(/CanaryFailing/));
    expect(alarms.map((alarm) => String(alarm.Metadata['aws:cdk:path']))).toContainEqual(expect.stringMatching(/CanaryFailing/));
  });

  test('the canary runs on the configured schedule', () => {
    const rule = Object.values(resourcesOfType(json, 'AWS::Events::Rule')).find((candidate) =>
      String(candidate.Properties.Description).startsWith('Runs the canary'),
    )!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    const tuned = synthesized(props({ canaryMinutes: 15 })).json;
    expect(Object.values(resourcesOfType(tuned, 'AWS::Events::Rule')).map((candidate) => candidate.Properties.ScheduleExpression)).toContain(
      'rate(15 minutes)',
    );
  });
});
