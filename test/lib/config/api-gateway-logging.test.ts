/**
 * restApiLogging decides from a stack's config alone whether its REST API stages log: only where the account's API
 * Gateway CloudWatch Logs role is known to be there (this stack sets it, or the config says the account has it) —
 * a fresh account has none, and a stage that logs would fail its first deploy. The guidance names the fields to set.
 */
import { restApiLogging } from '../../../lib/config/api-gateway-logging';

describe('restApiLogging', () => {
  test('a fresh account (neither field): REST stages do not log, and the guidance says how to check and what to set', () => {
    const decision = restApiLogging({ apiGatewayAccountRole: false, apiGatewayAccountRoleExists: false });
    expect(decision).toMatchObject({ enabled: false, accountRole: 'unknown' });
    expect(decision.guidance).toMatch(/aws apigateway get-account --query cloudwatchRoleArn/);
    expect(decision.guidance).toMatch(
      /set apiGatewayAccountRoleExists: true; else set apiGatewayAccountRole: true in exactly one stack per account and Region/,
    );
  });

  test('this stack sets the role: REST stages log', () => {
    expect(restApiLogging({ apiGatewayAccountRole: true, apiGatewayAccountRoleExists: false })).toMatchObject({
      enabled: true,
      accountRole: 'set-by-this-stack',
    });
  });

  test('the account has the role: REST stages log', () => {
    expect(restApiLogging({ apiGatewayAccountRole: false, apiGatewayAccountRoleExists: true })).toMatchObject({
      enabled: true,
      accountRole: 'exists',
    });
  });

  test("the central's fields are named under central.", () => {
    expect(restApiLogging({ apiGatewayAccountRole: false, apiGatewayAccountRoleExists: false }, 'central.').guidance).toMatch(
      /set central\.apiGatewayAccountRoleExists: true; else set central\.apiGatewayAccountRole: true/,
    );
  });
});
