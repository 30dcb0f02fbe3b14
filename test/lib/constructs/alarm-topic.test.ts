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

test('alarms notify the topic on firing and recovery; function alarms use the reserved ceiling', () => {
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
  expect(alarms.map((alarm) => alarm.Properties.AlarmDescription).filter(Boolean)).toEqual([expect.stringMatching(/^Sild TEST thing: Fn failed/), expect.stringMatching(/^Sild TEST thing: Fn invocations were throttled/), expect.stringMatching(/^Sild TEST thing: Fn concurrency near its reserved ceiling of 10/)]);
  expect(alarms.find((alarm) => alarm.Properties.MetricName === 'ConcurrentExecutions')!.Properties.Threshold).toBe(8);
  expect(Object.values(resourcesOfType(json, 'AWS::SNS::Subscription'))[0].Properties).toMatchObject({ Protocol: 'email', Endpoint: 'ops@example.org' });
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
      Condition: { StringEquals: { 'aws:SourceAccount': '555555555555' }, ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-north-1:555555555555:alarm:*' } },
    },
  ]);
});
