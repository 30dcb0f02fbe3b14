/**
 * CentralMonitoring (as SildCentral builds it) promises alarms on the publisher (failing or not running — then every
 * gateway's configuration ages towards expiry), the central function, the central API's 5xx rate and the registry,
 * all notifying the central's topic, and a dashboard.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { SildCentral } from '../../../lib/constructs/sild-central';
import { constructStack, mathAlarmsWithUnfilledOperands, resourceAt, resourcesOfType } from '../../support/synth';

const { stack } = constructStack();
new SildCentral(stack, 'Central', {
  instance: 'EE',
  memberClasses: ['GOV'],
  central: {
    account: '111111111111',
    region: 'eu-north-1',
    globalConfGenerationSeconds: 120,
    monitoring: { alarmEmails: ['central-ops@ria.example'] },
  },
  agencies: [],
});
const json = Template.fromStack(stack).toJSON();
const alarms = Object.values(resourcesOfType(json, 'AWS::CloudWatch::Alarm'));
const named = (name: string) =>
  alarms.find((alarm) => String(alarm.Metadata['aws:cdk:path']).endsWith(`/Monitoring/Alarms/${name}/Resource`))!.Properties;

describe('CentralMonitoring', () => {
  test('alarms on the publisher, both functions, the API and the registry, each notifying the topic', () => {
    const topic = resourceAt(json, '/Monitoring/Alarms/Topic/Resource').logicalId;
    expect(alarms.map((alarm) => String(alarm.Metadata['aws:cdk:path']).split('/').slice(-2, -1)[0]).sort()).toEqual(
      [
        'PublisherStalled',
        'CentralApiServerErrorRate',
        'RegistrySystemErrors',
        'AccountConcurrency',
        ...['Central', 'Publisher'].flatMap((fn) => [`${fn}FunctionErrors`, `${fn}FunctionThrottles`]),
      ].sort(),
    );
    for (const alarm of alarms) expect([alarm.Properties.AlarmActions, alarm.Properties.OKActions]).toEqual([[{ Ref: topic }], [{ Ref: topic }]]);
  });

  test('a publisher that has not run for two of its periods fires (missing data counts)', () => {
    expect(named('PublisherStalled')).toMatchObject({
      MetricName: 'Invocations',
      Period: 240,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  // The publisher runs every period at concurrency 1: a concurrency alarm at 1 (its old reservation) was always in alarm.
  test("no function reserves by default: the account's claimed concurrency alarms at 80 % of the quota; central.concurrency adds the central function's at 80 % of it", () => {
    expect(named('AccountConcurrency')).toMatchObject({ MetricName: 'ClaimedAccountConcurrency', Threshold: 800 });
    const { stack: reservedStack } = constructStack();
    new SildCentral(reservedStack, 'Central', {
      instance: 'EE',
      memberClasses: ['GOV'],
      central: { account: '111111111111', region: 'eu-north-1', concurrency: 20, lambdaConcurrencyQuota: 500 },
      agencies: [],
    });
    const reserved = Object.values(resourcesOfType(Template.fromStack(reservedStack).toJSON(), 'AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties,
    );
    expect(reserved.filter((alarm) => alarm.MetricName === 'ConcurrentExecutions')).toEqual([
      expect.objectContaining({ Threshold: 16, Dimensions: [{ Name: 'FunctionName', Value: expect.anything() }] }),
    ]);
    expect(reserved.find((alarm) => alarm.MetricName === 'ClaimedAccountConcurrency')).toMatchObject({ Threshold: 20 + Math.floor(0.8 * 480) });
  });

  // DynamoDB writes SystemErrors per operation only when they happen: an unfilled sum had a point only when all four erred.
  test('registry system errors sum over the operations, each filled with 0', () => {
    const registry = named('RegistrySystemErrors');
    expect(registry.Metrics.find((entry: { Expression?: string }) => entry.Expression).Expression).toBe(
      'FILL(getitem, 0) + FILL(putitem, 0) + FILL(scan, 0) + FILL(updateitem, 0)',
    );
    expect(mathAlarmsWithUnfilledOperands(json)).toEqual([]);
  });

  test('e-mail subscriptions from central.monitoring.alarmEmails; a dashboard for the central', () => {
    expect(Object.values(resourcesOfType(json, 'AWS::SNS::Subscription')).map((subscription) => subscription.Properties.Endpoint)).toEqual([
      'central-ops@ria.example',
    ]);
    expect(resourceAt(json, '/Monitoring/Dashboard/Resource').resource.Properties.DashboardName).toBe('Sild-EE-central');
  });
});
