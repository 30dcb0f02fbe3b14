/**
 * `sild doctor --aws`: what it reads from a live account, read-only, with the operator's credentials — STS
 * `GetCallerIdentity`, Lambda `GetAccountSettings`, API Gateway `GetAccount`, SSM `GetParameter` of the CDK bootstrap
 * version. `endpoint` points every client at a stand-in (tests).
 */
import { APIGatewayClient, GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { AccountProbe } from './doctor';

/** Where the CDK bootstrap stack publishes its version (the default qualifier). */
export const BOOTSTRAP_VERSION_PARAMETER = '/cdk-bootstrap/hnb659fds/version';

export interface AccountProbeOptions {
  /** @default - the SDK's default credential chain (environment, profile, SSO, …) */
  readonly credentials?: AwsCredentialIdentity;
  /** A named profile (`--profile`). @default - the default profile */
  readonly profile?: string;
  /** One endpoint for every service (a stand-in). @default - AWS's */
  readonly endpoint?: string;
}

export function awsAccountProbe(options: AccountProbeOptions = {}): AccountProbe & { destroy(): void } {
  const common = (region: string) => ({
    region,
    maxAttempts: 2,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  const clients: { destroy(): void }[] = [];
  const make = <T extends { destroy(): void }>(client: T): T => {
    clients.push(client);
    return client;
  };
  return {
    async account() {
      // STS answers in every Region; the caller's account does not depend on it.
      const sts = make(new STSClient(common('us-east-1')));
      return String((await sts.send(new GetCallerIdentityCommand({}))).Account);
    },
    async lambda(region) {
      const settings = await make(new LambdaClient(common(region))).send(new GetAccountSettingsCommand({}));
      return { quota: settings.AccountLimit?.ConcurrentExecutions ?? 0, unreserved: settings.AccountLimit?.UnreservedConcurrentExecutions ?? 0 };
    },
    async apiGatewayRole(region) {
      return (await make(new APIGatewayClient(common(region))).send(new GetAccountCommand({}))).cloudwatchRoleArn || undefined;
    },
    async bootstrapVersion(region) {
      try {
        const answer = await make(new SSMClient(common(region))).send(new GetParameterCommand({ Name: BOOTSTRAP_VERSION_PARAMETER }));
        return Number(answer.Parameter?.Value);
      } catch (error) {
        if (error instanceof ParameterNotFound) return undefined;
        throw error;
      }
    },
    destroy: () => clients.forEach((client) => client.destroy()),
  };
}
