/**
 * Guardrails across every synthesized template: every log group has a retention and every function logs into one of
 * them (API Gateway execution logs and the custom-resource providers included); every SNS topic policy lets CloudWatch
 * alarms publish, and every metric-math alarm fills the sparse metrics it adds up; X-Ray tracing is off unless the config turns it on; stack names carry the instance.
 */
import {
  configWith,
  demoConfig,
  mathAlarmsWithUnfilledOperands,
  resourcesOfType,
  synth,
  topicPoliciesCloudWatchCannotPublish,
} from '../support/synth';
import { agencyStackName, centralStackName } from '../../lib/stacks/sild-stacks';

const demo = synth(demoConfig());
const templates = demo.assembly.stacks.map((stack) => [stack.stackName, stack.template] as const);

describe('guardrails', () => {
  test('stack names carry the instance, so two instances can share an account', () => {
    expect(templates.map(([name]) => name).sort()).toEqual(
      [
        agencyStackName('DEV', { name: 'business-registry' }),
        agencyStackName('DEV', { name: 'population-registry' }),
        agencyStackName('DEV', { name: 'tax-board' }),
        centralStackName('DEV'),
      ].sort(),
    );
    expect(centralStackName('DEV')).toBe('Sild-DEV-Central');
    expect(agencyStackName('EE.test', { name: 'tax-board' })).toBe('Sild-EE-test-Agency-tax-board');
  });

  test.each(templates)('%s: every log group has a retention, and every function writes into one of them', (_name, template) => {
    const groups = resourcesOfType(template, 'AWS::Logs::LogGroup');
    for (const group of Object.values(groups)) expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
    for (const fn of Object.values(resourcesOfType(template, 'AWS::Lambda::Function'))) {
      const target = fn.Properties.LoggingConfig?.LogGroup;
      expect(target).toEqual({ Ref: expect.any(String) });
      expect(Object.keys(groups)).toContain(target.Ref);
    }
  });

  test.each(templates)('%s: every SNS topic policy lets CloudWatch alarms publish', (_name, template) => {
    expect(Object.keys(resourcesOfType(template, 'AWS::SNS::TopicPolicy')).length).toBeGreaterThan(0);
    expect(topicPoliciesCloudWatchCannotPublish(template)).toEqual([]);
  });

  test.each(templates)('%s: every metric-math alarm fills each sparse operand (or guards its divisor)', (_name, template) => {
    expect(Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).filter((alarm) => alarm.Properties.Metrics).length).toBeGreaterThan(0);
    expect(mathAlarmsWithUnfilledOperands(template)).toEqual([]);
  });

  test('X-Ray tracing is off by default; tracing: true turns on active tracing and SDK subsegments for every Sild function', () => {
    for (const [, template] of templates) {
      for (const fn of Object.values(resourcesOfType(template, 'AWS::Lambda::Function'))) expect(fn.Properties.TracingConfig).toBeUndefined();
    }
    const traced = synth(
      configWith((raw) => {
        raw.agencies[0].tracing = true;
        raw.central.tracing = true;
      }),
    );
    for (const name of [centralStackName('DEV'), agencyStackName('DEV', { name: 'population-registry' })]) {
      const sild = Object.values(resourcesOfType(traced.templateJson(name), 'AWS::Lambda::Function')).filter((fn) =>
        /^Sild DEV/.test(String(fn.Properties.Description)),
      );
      expect(sild.length).toBeGreaterThan(1);
      for (const fn of sild) {
        expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
        expect(fn.Properties.Environment.Variables.SILD_TRACING).toBe('true');
      }
    }
  });
});
