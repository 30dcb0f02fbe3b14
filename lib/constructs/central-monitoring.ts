/**
 * What the central operator watches: an alarm topic, alarms on the central function, the publisher (failing, or not
 * running: then every gateway's configuration ages towards expiry), the central API's 5xx rate and the registry
 * table, and a dashboard.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { AlarmTopic, type ApiMetrics } from './alarm-topic';
import { tableOperationsSum } from './metric-math';
import type { SildFunction } from './sild-function';

export interface CentralMonitoringProps {
  readonly instance: string;
  readonly functions: { readonly central: SildFunction; readonly publisher: SildFunction };
  readonly api: ApiMetrics;
  readonly registry: dynamodb.ITable;
  /** The publisher's schedule: it is stalled when it has not run for two of them. */
  readonly publishEveryMinutes: number;
  /** The account's Lambda concurrency quota in this Region: the account-concurrency alarm's scale. */
  readonly lambdaConcurrencyQuota: number;
  /** @default - none (the topic only) */
  readonly alarmEmails?: readonly string[];
}

export class CentralMonitoring extends Construct {
  public readonly alarms: AlarmTopic;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: CentralMonitoringProps) {
    super(scope, id);
    const label = `Sild ${props.instance} central`;
    const alarms = (this.alarms = new AlarmTopic(this, 'Alarms', { displayName: label, emails: props.alarmEmails }));
    alarms.alarm('PublisherStalled', {
      metric: props.functions.publisher.metricInvocations({
        period: Duration.minutes(2 * props.publishEveryMinutes),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: `${label}: the publisher has not run for two of its periods; every gateway's configuration ages towards expiry`,
    });
    alarms.watchFunctions({ CentralFunction: props.functions.central, PublisherFunction: props.functions.publisher }, props.lambdaConcurrencyQuota);
    alarms.watchApi('CentralApi', props.api);
    const operations = [dynamodb.Operation.GET_ITEM, dynamodb.Operation.PUT_ITEM, dynamodb.Operation.SCAN, dynamodb.Operation.UPDATE_ITEM];
    alarms.alarm('RegistrySystemErrors', {
      metric: tableOperationsSum(props.registry, 'SystemErrors', operations, Duration.minutes(5)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      alarmDescription: `${label}: DynamoDB system errors on the registry`,
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `Sild-${props.instance}-central`.replace(/[^A-Za-z0-9_-]/g, '-'),
      defaultInterval: Duration.hours(3),
    });
    const functions = Object.entries(props.functions);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Central API requests and errors',
        left: [props.api.metricCount({ statistic: cloudwatch.Stats.SUM, label: 'requests' })],
        right: [props.api.metricServerError({ statistic: cloudwatch.Stats.SUM, label: '5xx' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Invocations and errors',
        left: functions.map(([name, fn]) => fn.metricInvocations({ label: name })),
        right: functions.map(([name, fn]) => fn.metricErrors({ label: `${name} errors` })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Registry (write and read units)',
        left: [
          props.registry.metricConsumedWriteCapacityUnits({ label: 'write units' }),
          props.registry.metricConsumedReadCapacityUnits({ label: 'read units' }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: alarms.all(), width: 24 }));
  }
}
