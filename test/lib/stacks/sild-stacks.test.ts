/**
 * The all-in-one app's stacks are termination-protected from their first deploy (the CDK CLI sets protection before
 * it runs the create), so a failed first create needs protection turned off before `cdk deploy` can retry:
 * failedFirstDeployRecovery gives those steps, for the stack and its Region, and nothing destructive beyond them.
 */
import { failedFirstDeployRecovery } from '../../../lib/stacks/sild-stacks';
import { demoConfig, synth } from '../../support/synth';

describe('addSildStacks', () => {
  test('every stack is termination-protected (its keys and logs must not go with a stray destroy)', () => {
    expect(synth(demoConfig()).assembly.stacks.map((stack) => stack.terminationProtection)).toEqual([true, true, true, true]);
  });
});

describe('failedFirstDeployRecovery', () => {
  const steps = failedFirstDeployRecovery('Sild-DEV-Central', 'eu-north-1');

  test('checks the state, reads the cause, turns protection off, and deploys again — in that order, for that stack and Region', () => {
    expect(steps.map((step) => step.split(' ').slice(0, 3).join(' '))).toEqual([
      'aws cloudformation describe-stacks',
      'aws cloudformation describe-stack-events',
      'aws cloudformation update-termination-protection',
      'npx cdk deploy',
    ]);
    for (const step of steps.slice(0, 3)) expect(step).toContain('--stack-name Sild-DEV-Central --region eu-north-1');
    expect(steps[3]).toMatch(/^npx cdk deploy Sild-DEV-Central /);
  });

  test('deletes nothing itself: the CDK CLI deletes only a stack whose create failed', () => {
    expect(steps.join('\n')).not.toMatch(/delete-stack|cdk destroy|schedule-key-deletion|delete-table/);
  });
});
