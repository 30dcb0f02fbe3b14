import { Annotations, Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * A construct whose config names the account and Region it deploys to must be in a stack of exactly those (when the
 * stack's are known): a gateway deployed elsewhere would synthesize, then fail to join — or join for the wrong member.
 */
export function checkDeploymentTarget(scope: IConstruct, what: string, expected: { account: string; region: string }): void {
  const stack = Stack.of(scope);
  for (const [field, actual] of [
    ['account', stack.account],
    ['region', stack.region],
  ] as const) {
    if (!Token.isUnresolved(actual) && actual !== expected[field]) {
      Annotations.of(scope).addError(
        `${what} is configured for ${field} ${expected[field]} but its stack deploys to ${actual}: set the stack's env from the config.`,
      );
    }
  }
}
