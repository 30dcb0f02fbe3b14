/**
 * Where a stack's alarms go: one SNS topic (TLS only, CloudWatch alarms of this account may publish), optionally with
 * e-mail subscriptions, and a helper that makes an alarm notify it when it fires and when it recovers.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { SildFunction } from './sild-function';

/** What an API front reports (a REST API's and an HTTP API's metrics alike). */
export interface ApiMetrics {
  metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

const FIVE_MINUTES = Duration.minutes(5);

export interface AlarmTopicProps {
  /** What the topic is about, e.g. `Sild DEV gateway tax-board`. */
  readonly displayName: string;
  /** Addresses mailed on every alarm and recovery (each confirms the subscription by mail). @default - none */
  readonly emails?: readonly string[];
}

export class AlarmTopic extends Construct {
  public readonly topic: sns.Topic;
  /** What the alarms are about (the start of each alarm's description). */
  public readonly label: string;
  private readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.label = props.displayName;
    this.topic = new sns.Topic(this, 'Topic', { displayName: `${props.displayName} alarms`, enforceSSL: true });
    // A topic policy replaces SNS's default one (which lets the owner account publish): with only enforceSSL's Deny
    // in it, nothing may publish and every alarm would change state silently. CloudWatch publishes as a service
    // principal, bound to this account's alarms (no other account's alarm can use the topic: the confused deputy).
    const { account, region, partition } = Stack.of(this);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      }),
    );
    for (const email of props.emails ?? []) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names, metrics and thresholds, never a message or personal data; CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer key per stack would cost more than what it protects.',
    });
  }

  /** An alarm on `metric` that notifies this topic. */
  public alarm(id: string, props: Omit<cloudwatch.AlarmProps, 'evaluationPeriods'> & { readonly evaluationPeriods?: number }): cloudwatch.Alarm {
    return this.notify(
      new cloudwatch.Alarm(this, id, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...props,
        evaluationPeriods: props.evaluationPeriods ?? 1,
      }),
    );
  }

  /**
   * Each function's alarms (`watchFunction`), and — as functions without a reservation share the account's pool —
   * the account's claimed concurrency near `lambdaConcurrencyQuota` (`watchAccountConcurrency`).
   */
  public watchFunctions(functions: Readonly<Record<string, SildFunction>>, lambdaConcurrencyQuota: number): cloudwatch.Alarm[] {
    const reserved = Object.values(functions).reduce((sum, fn) => sum + (fn.reservedConcurrency ?? 0), 0);
    return [
      ...Object.entries(functions).flatMap(([label, fn]) => this.watchFunction(label, fn)),
      this.watchAccountConcurrency(lambdaConcurrencyQuota, reserved),
    ];
  }

  /**
   * A function's errors and throttles (with a reservation or without: the account's pool ran out); with a
   * reservation of 2 or more, also its concurrency at 80 % of it — never below 2, which a scheduled function's single
   * run reaches every time (a reservation of 1 is watched by its throttles alone).
   */
  public watchFunction(label: string, fn: SildFunction): cloudwatch.Alarm[] {
    const reserved = fn.reservedConcurrency;
    const alarms = [
      this.alarm(`${label}Errors`, {
        metric: fn.metricErrors({ period: FIVE_MINUTES }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        alarmDescription: `${this.label}: ${label} failed (its logs say why)`,
      }),
      this.alarm(`${label}Throttles`, {
        metric: fn.metricThrottles({ period: FIVE_MINUTES }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        alarmDescription:
          reserved === undefined
            ? `${this.label}: ${label} invocations were throttled: the account's unreserved Lambda concurrency in this Region ran out (is the quota what lambdaConcurrencyQuota says? reservations elsewhere? a flood?)`
            : `${this.label}: ${label} invocations were throttled at the reserved concurrency of ${reserved}`,
      }),
    ];
    if (reserved !== undefined && reserved >= 2) {
      alarms.push(
        this.alarm(`${label}Concurrency`, {
          metric: fn.metric('ConcurrentExecutions', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) }),
          threshold: Math.max(2, Math.floor(reserved * 0.8)),
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 3,
          alarmDescription: `${this.label}: ${label} concurrency near its reserved ceiling of ${reserved} (raise concurrency in the config, or find the flood)`,
        }),
      );
    }
    return alarms;
  }

  /**
   * The account's claimed Lambda concurrency in this Region (every reservation plus the unreserved concurrency in use;
   * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html) for 3 minutes at this stack's
   * reservations plus 80 % of what they leave of the quota: functions without a reservation are throttled when it
   * reaches the quota. A reservation alone never reaches the threshold.
   */
  public watchAccountConcurrency(lambdaConcurrencyQuota: number, reserved: number): cloudwatch.Alarm {
    const threshold = reserved + Math.floor((lambdaConcurrencyQuota - reserved) * 0.8);
    return this.alarm('AccountConcurrency', {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName: 'ClaimedAccountConcurrency',
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
      }),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      alarmDescription: `${this.label}: the account's claimed Lambda concurrency in this Region reached ${threshold} of its quota of ${lambdaConcurrencyQuota} (lambdaConcurrencyQuota): functions without a reservation are throttled at the quota (find the flood, or raise the quota)`,
    });
  }

  /** An API's share of 5xx answers above `percent` over 5 minutes. */
  public watchApi(label: string, api: ApiMetrics, percent = 5): cloudwatch.Alarm {
    const rate = new cloudwatch.MathExpression({
      // A period without 5xx may carry no 5xx point: filled, so the rate is 0 rather than missing.
      expression: 'IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)',
      usingMetrics: {
        errors: api.metricServerError({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
        requests: api.metricCount({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
      },
      label: `${label} 5xx %`,
      period: FIVE_MINUTES,
    });
    return this.alarm(`${label}ServerErrorRate`, {
      metric: rate,
      threshold: percent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${this.label}: more than ${percent} % of ${label} answers were 5xx (a backend, a provider gateway or this layer failing)`,
    });
  }

  /** Notifies the topic when the alarm fires and when it recovers. */
  public notify(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    const action = new actions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }

  /** Every alarm that notifies this topic. */
  public all(): cloudwatch.Alarm[] {
    return [...this.alarms];
  }
}
