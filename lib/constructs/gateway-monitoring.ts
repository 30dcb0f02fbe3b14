/**
 * What ops of one gateway watch: an alarm topic, an alarm for everything that goes wrong before the gateway fails
 * closed (and for everything that means it already does), and a dashboard. The metrics come from the functions' EMF
 * lines (opmon: `Messages`, `Failures`, `LayerFaults`, `Duration` by side, `Messages` by the consumer's own 5xx outcomes; the canary: `CanaryFailures`,
 * `SealLagSeconds`, `GlobalConfAgePercent`, `SessionValiditySeconds`), from a metric filter on the functions' logs
 * (configuration refresh failures) and from Lambda, API Gateway and DynamoDB themselves. README, Operations, says
 * what to do when each fires.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ALARMED_OUTCOMES, OPMON_NAMESPACE, OPMON_SERVICE } from '../../lambdas/adapters/emf-operational-monitor';
import { AlarmTopic, type ApiMetrics } from './alarm-topic';
import { filledSum, filledSumExpression, tableOperationsSum } from './metric-math';
import type { SildFunction } from './sild-function';

export interface GatewayMonitoringProps {
  /** The agency name (alarm and dashboard names). */
  readonly agency: string;
  readonly instance: string;
  /** The gateway id, as its functions' EMF lines name it (`Gateway` dimension). */
  readonly gatewayId: string;
  readonly functions: {
    readonly consumer: SildFunction;
    readonly provider: SildFunction;
    readonly sealer: SildFunction;
    readonly canary: SildFunction;
  };
  readonly apis: { readonly consumer: ApiMetrics; readonly provider: ApiMetrics };
  readonly table: dynamodb.ITable;
  /** The fail-closed limit: the seal-lag alarm fires at half of it. */
  readonly maxLagSeconds: number;
  /** The canary's schedule: its alarm's period. */
  readonly canaryMinutes: number;
  /**
   * Whether the canary runs. It cannot before the central's URL and anchor are configured (it could only fail), and
   * then there is no canary alarm: missing canary data counts as failing. @default true
   */
  readonly canaryScheduled?: boolean;
  /** The account's Lambda concurrency quota in this Region: the account-concurrency alarm's scale. */
  readonly lambdaConcurrencyQuota: number;
  /** @default - none (the topic only) */
  readonly alarmEmails?: readonly string[];
}

/** EMF metrics of one gateway (the Powertools `service` dimension is part of every dimension set). */
const gatewayMetric = (gatewayId: string, metricName: string, dimensions: Record<string, string> = {}, options: cloudwatch.MetricOptions = {}) =>
  new cloudwatch.Metric({
    namespace: OPMON_NAMESPACE,
    metricName,
    dimensionsMap: { service: OPMON_SERVICE, Gateway: gatewayId, ...dimensions },
    ...options,
  });

export class GatewayMonitoring extends Construct {
  public readonly alarms: AlarmTopic;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: GatewayMonitoringProps) {
    super(scope, id);
    const label = `Sild ${props.instance} gateway ${props.agency}`;
    const alarms = (this.alarms = new AlarmTopic(this, 'Alarms', { displayName: label, emails: props.alarmEmails }));
    const metric = (name: string, dimensions?: Record<string, string>, options?: cloudwatch.MetricOptions) =>
      gatewayMetric(props.gatewayId, name, dimensions, options);
    const canaryPeriod = Duration.minutes(props.canaryMinutes);
    const atLeastOne = { threshold: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD };

    // The canary: a failed synthetic exchange twice in a row, or none at all (the canary itself is down).
    if (props.canaryScheduled ?? true) {
      alarms.alarm('CanaryFailing', {
        metric: metric('CanaryFailures', {}, { statistic: cloudwatch.Stats.MAXIMUM, period: canaryPeriod }),
        ...atLeastOne,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription: `${label}: the canary's exchange through this gateway failed twice in a row, or the canary did not run`,
      });
    }
    alarms.alarm('SealLag', {
      metric: metric('SealLagSeconds', {}, { statistic: cloudwatch.Stats.MAXIMUM, period: canaryPeriod }),
      threshold: Math.floor(props.maxLagSeconds / 2),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${label}: the message log is not sealed for more than half of maxLagSeconds (${props.maxLagSeconds} s); at the limit the gateway refuses messages`,
    });
    alarms.alarm('GlobalConfAge', {
      metric: metric('GlobalConfAgePercent', {}, { statistic: cloudwatch.Stats.MAXIMUM, period: canaryPeriod }),
      threshold: 50,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${label}: the global configuration it holds is older than half of its validity; at expiry the gateway refuses messages`,
    });
    // Refresh failures, counted from the functions' structured logs.
    const refreshFailures = new cloudwatch.Metric({
      namespace: `${OPMON_NAMESPACE}/${props.instance}/${props.agency}`,
      metricName: 'GlobalConfRefreshFailures',
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
    });
    for (const [side, fn] of [
      ['Consumer', props.functions.consumer],
      ['Provider', props.functions.provider],
      ['Canary', props.functions.canary],
    ] as const) {
      new logs.MetricFilter(this, `${side}RefreshFailures`, {
        logGroup: fn.logGroup,
        filterPattern: logs.FilterPattern.stringValue('$.message', '=', 'globalconf-refresh-failed'),
        metricNamespace: refreshFailures.namespace,
        metricName: refreshFailures.metricName,
        metricValue: '1',
        defaultValue: 0,
      });
    }
    alarms.alarm('GlobalConfRefreshFailures', {
      metric: refreshFailures,
      threshold: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      alarmDescription: `${label}: the global configuration could not be refreshed from any source, repeatedly`,
    });
    // Faults of the gateway itself (log, key, store, sealing, configuration) on either side — each side's metric is
    // there only when that side handled a message (a gateway that only consumes has no provider points).
    const layerFaults = filledSum(
      {
        consumer: metric('LayerFaults', { Side: 'consumer' }, { statistic: cloudwatch.Stats.SUM }),
        provider: metric('LayerFaults', { Side: 'provider' }, { statistic: cloudwatch.Stats.SUM }),
      },
      { label: 'LayerFaults', period: Duration.minutes(1) },
    );
    alarms.alarm('LayerFaults', {
      metric: layerFaults,
      ...atLeastOne,
      alarmDescription: `${label}: a message failed with LoggingFailed, SigningFailed, DatabaseError, TimestampingFailed or OutdatedGlobalConf`,
    });
    // The consumer side answers 502/503/504 for providers' and backends' faults too (`Server.ServerProxy.*` relayed,
    // `Server.ClientProxy.NetworkError` for a provider's front): its API's 5xx rate would page this agency for other
    // agencies' faults. What pages it is what the consumer itself failed at: its layer faults (above), its function
    // failing or throttled (API Gateway then answers 5xx itself: the function alarms), and this rate of its own 5xx
    // answers — the layer faults and `Server.ClientProxy.InternalError` — among the messages it handled. Only a
    // consumer side answers `Server.ClientProxy.*` (it relays no provider's), so the outcome says the side.
    // The opmon lines carry a `Messages` metric by `Outcome` for exactly these outcomes (ALARMED_OUTCOMES).
    const own = Object.fromEntries(
      ALARMED_OUTCOMES.map((outcome) => [
        outcome.split('.').at(-1)!.toLowerCase(),
        metric('Messages', { Outcome: outcome }, { statistic: cloudwatch.Stats.SUM }),
      ]),
    );
    alarms.alarm('ConsumerServerErrorRate', {
      metric: new cloudwatch.MathExpression({
        expression: `IF(messages > 0, 100 * (${filledSumExpression(Object.keys(own))}) / messages, 0)`,
        usingMetrics: { messages: metric('Messages', { Side: 'consumer' }, { statistic: cloudwatch.Stats.SUM }), ...own },
        label: "Consumer's own 5xx %",
        period: Duration.minutes(5),
      }),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${label}: more than 5 % of the consumer side's answers were its own 5xx (${ALARMED_OUTCOMES.join(', ')}); providers' and backends' faults it relays do not count`,
    });
    alarms.watchApi('ProviderApi', props.apis.provider);
    alarms.watchFunctions(
      Object.fromEntries(Object.entries(props.functions).map(([name, fn]) => [`${name[0].toUpperCase()}${name.slice(1)}Function`, fn])),
      props.lambdaConcurrencyQuota,
    );
    const operations = [dynamodb.Operation.PUT_ITEM, dynamodb.Operation.GET_ITEM, dynamodb.Operation.QUERY];
    alarms.alarm('TableSystemErrors', {
      metric: tableOperationsSum(props.table, 'SystemErrors', operations, Duration.minutes(5)),
      ...atLeastOne,
      alarmDescription: `${label}: DynamoDB system errors on the message log`,
    });
    alarms.alarm('TableThrottles', {
      metric: tableOperationsSum(props.table, 'ThrottledRequests', operations, Duration.minutes(5)),
      ...atLeastOne,
      alarmDescription: `${label}: DynamoDB throttled the message log`,
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `Sild-${props.instance}-${props.agency}`.replace(/[^A-Za-z0-9_-]/g, '-'),
      defaultInterval: Duration.hours(3),
    });
    const bySide = (name: string, statistic: string) =>
      (['consumer', 'provider'] as const).map((side) => metric(name, { Side: side }, { statistic, label: `${side} ${name}` }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Messages and failures',
        left: [...bySide('Messages', cloudwatch.Stats.SUM), ...bySide('Failures', cloudwatch.Stats.SUM)],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Duration (ms)',
        left: (['p50', 'p95', 'p99'] as const).flatMap((statistic) => bySide('Duration', statistic)),
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'Layer faults', left: bySide('LayerFaults', cloudwatch.Stats.SUM), width: 8 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Seal lag (s)',
        left: [metric('SealLagSeconds', {}, { statistic: cloudwatch.Stats.MAXIMUM })],
        leftAnnotations: [{ value: props.maxLagSeconds, label: 'fails closed' }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Global configuration age (% of validity)',
        left: [metric('GlobalConfAgePercent', {}, { statistic: cloudwatch.Stats.MAXIMUM })],
        leftAnnotations: [{ value: 100, label: 'expired' }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Canary',
        left: [metric('CanaryFailures', {}, { statistic: cloudwatch.Stats.SUM })],
        right: [metric('SessionValiditySeconds', {}, { statistic: cloudwatch.Stats.MINIMUM })],
        width: 8,
      }),
    );
    const functions = Object.entries(props.functions);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Invocations (cost: requests)',
        left: functions.map(([name, fn]) => fn.metricInvocations({ label: name })),
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration p95 (cost: GB-s)',
        left: functions.map(([name, fn]) => fn.metricDuration({ statistic: 'p95', label: name })),
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Throttles and concurrency',
        left: functions.map(([name, fn]) => fn.metricThrottles({ label: `${name} throttles` })),
        right: functions.map(([name, fn]) => fn.metric('ConcurrentExecutions', { statistic: cloudwatch.Stats.MAXIMUM, label: name })),
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Message log (cost: write units)',
        left: [
          props.table.metricConsumedWriteCapacityUnits({ label: 'write units' }),
          props.table.metricConsumedReadCapacityUnits({ label: 'read units' }),
        ],
        width: 6,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests and 5xx',
        left: [
          props.apis.consumer.metricCount({ label: 'consumer requests', statistic: cloudwatch.Stats.SUM }),
          props.apis.provider.metricCount({ label: 'provider requests', statistic: cloudwatch.Stats.SUM }),
        ],
        right: [
          props.apis.consumer.metricServerError({ label: 'consumer 5xx', statistic: cloudwatch.Stats.SUM }),
          props.apis.provider.metricServerError({ label: 'provider 5xx', statistic: cloudwatch.Stats.SUM }),
        ],
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: alarms.all(), width: 12 }),
    );
  }
}
