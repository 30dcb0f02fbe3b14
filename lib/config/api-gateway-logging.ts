/**
 * Whether a stack's REST API stages log, decided from its config alone (no AWS call), for the stacks and for a
 * pre-flight check. API Gateway writes a REST stage's access and execution logs through the account's CloudWatch
 * Logs role — one setting per account and Region (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html) —
 * and a fresh account has none: a stage that logs then fails to deploy. So REST stages log only when the config says
 * the role is there: this stack sets it (`apiGatewayAccountRole`), or the account has one (`apiGatewayAccountRoleExists`).
 * HTTP API stages log through the deploying principal's own permissions and always log
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html).
 */

/** The two config fields (an agency's, or the central's under `central.`). */
export interface ApiGatewayLoggingFields {
  /** This stack sets the account's API Gateway CloudWatch Logs role. */
  readonly apiGatewayAccountRole: boolean;
  /** The account (in the stack's Region) has that role already: another stack or an administrator set it. */
  readonly apiGatewayAccountRoleExists: boolean;
}

export interface RestApiLogging {
  /** Access logs and ERROR-level execution logs on every REST API stage of the stack. */
  readonly enabled: boolean;
  /** Where the account's role comes from: this stack, the account as it is, or nowhere the config knows of. */
  readonly accountRole: 'set-by-this-stack' | 'exists' | 'unknown';
  /** What to tell an operator (synth warns with it when logging is off). */
  readonly guidance: string;
}

/** The decision for one stack; `fieldPrefix` names its fields in messages (`central.` for the central). */
export function restApiLogging(fields: ApiGatewayLoggingFields, fieldPrefix = ''): RestApiLogging {
  const role = `${fieldPrefix}apiGatewayAccountRole`;
  const exists = `${fieldPrefix}apiGatewayAccountRoleExists`;
  if (fields.apiGatewayAccountRole) {
    return {
      enabled: true,
      accountRole: 'set-by-this-stack',
      guidance: `This stack sets the account's API Gateway CloudWatch Logs role (${role}; one setting per account and Region, kept when the stack is deleted) and its REST API stages log. Every other stack of the account and Region: set apiGatewayAccountRoleExists instead.`,
    };
  }
  if (fields.apiGatewayAccountRoleExists) {
    return {
      enabled: true,
      accountRole: 'exists',
      guidance: `REST API stages log through the account's existing API Gateway CloudWatch Logs role (${exists}); the deploy fails if the account and Region have none (aws apigateway get-account --query cloudwatchRoleArn).`,
    };
  }
  return {
    enabled: false,
    accountRole: 'unknown',
    guidance: `The REST API stages of this stack write no access or execution logs: API Gateway logs REST stages only through the account's CloudWatch Logs role, which a fresh account does not have. If the account and Region have one (aws apigateway get-account --query cloudwatchRoleArn), set ${exists}: true; else set ${role}: true in exactly one stack per account and Region (it sets the role) and ${exists}: true in the others.`,
  };
}

/** Both fields at once would make this stack replace a role another stack or an administrator set. */
export function apiGatewayLoggingProblem(fields: ApiGatewayLoggingFields): string | undefined {
  return fields.apiGatewayAccountRole && fields.apiGatewayAccountRoleExists
    ? "apiGatewayAccountRole (this stack sets the account's role) and apiGatewayAccountRoleExists (the account has one) exclude each other: with both, this stack would replace the role the account has"
    : undefined;
}
