/**
 * AlarmTopic promises a TLS-only topic that this account's CloudWatch alarms may publish to, with the given e-mail
 * subscriptions, and alarms that notify it on firing and on recovery, described with the topic's label; a function's
 * concurrency alarm sits at 80 % of its reserved ceiling.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmTopic } from '../../../lib/constructs/alarm-topic';
import { SildFunction } from '../../../lib/constructs/sild-function';
import { constructStack, resourcesOfType } from '../../support/synth';

test("alarms notify the topic on firing and recovery; a reserved function's concurrency alarm sits at 80 % of its ceiling", () => {
  const { stack } = constructStack();
  const topic = new AlarmTopic(stack, 'Alarms', { displayName: 'Sild TEST thing', emails: ['ops@example.org'] });
  topic.alarm('Custom', { metric: new cloudwatch.Metric({ namespace: 'X', metricName: 'Y', period: Duration.minutes(1) }), threshold: 2 });
  const fn = new SildFunction(stack, 'Fn', { entry: 'lambdas/gateway/canary.ts', description: 'Sild TEST fn', reservedConcurrency: 10 });
  topic.watchFunction('Fn', fn);
  const json = Template.fromStack(stack).toJSON();
  const alarms = Object.values(resourcesOfType(json, 'AWS::CloudWatch::Alarm'));
  expect(alarms).toHaveLength(4);
  expect(topic.all()).toHaveLength(4);
  const topicRef = { Ref: Object.keys(resourcesOfType(json, 'AWS::SNS::Topic'))[0] };
  for (const alarm of alarms) {
    expect(alarm.Properties).toMatchObject({ AlarmActions: [topicRef], OKActions: [topicRef], TreatMissingData: 'notBreaching' });
  }
  expect(alarms.map((alarm) => alarm.Properties.AlarmDescription).filter(Boolean)).toEqual([
    expect.stringMatching(/^Sild TEST thing: Fn failed/),
    expect.stringMatching(/^Sild TEST thing: Fn invocations were throttled at the reserved concurrency of 10/),
    expect.stringMatching(/^Sild TEST thing: Fn concurrency near its reserved ceiling of 10/),
  ]);
  expect(alarms.find((alarm) => alarm.Properties.MetricName === 'ConcurrentExecutions')!.Properties.Threshold).toBe(8);
  expect(Object.values(resourcesOfType(json, 'AWS::SNS::Subscription'))[0].Properties).toMatchObject({
    Protocol: 'email',
    Endpoint: 'ops@example.org',
  });
});

describe('function alarms that do not fire on a healthy function', () => {
  const watched = (reservedConcurrency?: number) => {
    const { stack } = constructStack();
    const topic = new AlarmTopic(stack, 'Alarms', { displayName: 'Sild TEST thing' });
    topic.watchFunction(
      'Fn',
      new SildFunction(stack, 'Fn', { entry: 'lambdas/gateway/canary.ts', description: 'Sild TEST fn', reservedConcurrency }),
    );
    const alarms = Object.values(resourcesOfType(Template.fromStack(stack).toJSON(), 'AWS::CloudWatch::Alarm'));
    return {
      names: alarms.map((alarm) => String(alarm.Metadata['aws:cdk:path']).split('/').slice(-2, -1)[0]),
      byMetric: (name: string) => alarms.find((alarm) => alarm.Properties.MetricName === name)?.Properties,
    };
  };

  test("without a reservation: errors and throttles (the account's pool ran out), no concurrency alarm (there is no ceiling to approach)", () => {
    const { names, byMetric } = watched();
    expect(names).toEqual(['FnErrors', 'FnThrottles']);
    expect(byMetric('Throttles')!.AlarmDescription).toMatch(/unreserved Lambda concurrency in this Region ran out/);
  });

  // A scheduled function (the sealer every minute) runs at concurrency 1: a threshold of 1 would always be in alarm.
  test('a reservation of 1 has no concurrency alarm; a reservation of 2 or 3 alarms at 2, never at 1', () => {
    expect(watched(1).names).toEqual(['FnErrors', 'FnThrottles']);
    expect(watched(2).byMetric('ConcurrentExecutions')).toMatchObject({
      Threshold: 2,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(watched(3).byMetric('ConcurrentExecutions')).toMatchObject({ Threshold: 2 });
    expect(watched(5).byMetric('ConcurrentExecutions')).toMatchObject({ Threshold: 4 });
  });
});

test("the account's claimed concurrency alarms at the stack's reservations plus 80 % of what they leave of the quota", () => {
  const alarmOf = (functions: Record<string, number | undefined>, quota: number) => {
    const { stack } = constructStack();
    const topic = new AlarmTopic(stack, 'Alarms', { displayName: 'Sild TEST thing' });
    topic.watchFunctions(
      Object.fromEntries(
        Object.entries(functions).map(([id, reservedConcurrency]) => [
          id,
          new SildFunction(stack, id, { entry: 'lambdas/gateway/canary.ts', description: 'Sild TEST fn', reservedConcurrency }),
        ]),
      ),
      quota,
    );
    return Object.values(resourcesOfType(Template.fromStack(stack).toJSON(), 'AWS::CloudWatch::Alarm')).find(
      (alarm) => alarm.Properties.MetricName === 'ClaimedAccountConcurrency',
    )!.Properties;
  };
  const unreserved = alarmOf({ A: undefined, B: undefined }, 1000);
  expect(unreserved).toMatchObject({
    Namespace: 'AWS/Lambda',
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 3,
    Threshold: 800,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
  });
  expect(unreserved.Dimensions).toBeUndefined();
  expect(unreserved.AlarmDescription).toMatch(/quota of 1000 \(lambdaConcurrencyQuota\)/);
  // Claimed concurrency counts reservations whether used or not: 900 reserved alone must not fire it.
  expect(alarmOf({ A: 500, B: 400, C: undefined }, 1000).Threshold).toBe(980);
  expect(alarmOf({ A: undefined }, 10).Threshold).toBe(8);
});

test('CloudWatch alarms of this account may publish to the topic; anything without TLS is denied', () => {
  const { stack } = constructStack();
  new AlarmTopic(stack, 'Alarms', { displayName: 'Sild TEST thing' });
  const json = Template.fromStack(stack).toJSON();
  const topicRef = { Ref: Object.keys(resourcesOfType(json, 'AWS::SNS::Topic'))[0] };
  const [policy] = Object.values(resourcesOfType(json, 'AWS::SNS::TopicPolicy'));
  expect(policy.Properties.Topics).toEqual([topicRef]);
  // A topic policy replaces SNS's default one: without this Allow only the TLS Deny would be left, and no alarm could notify.
  expect(policy.Properties.PolicyDocument.Statement).toEqual([
    expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    {
      Sid: 'CloudWatchAlarmsPublish',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: topicRef,
      Condition: {
        StringEquals: { 'aws:SourceAccount': '555555555555' },
        ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-north-1:555555555555:alarm:*' },
      },
    },
  ]);
});
