/**
 * `sild doctor`: the pre-flight of a deployment. For each (account, Region) a config deploys into, what the stacks need
 * there — reserved concurrency within the Lambda quota, the API Gateway logging role, CloudFront, VPC egress, WAF, KMS
 * keys, the CDK bootstrap — and whether the plan can deploy at all (exit 1 when it cannot). With `--aws` it also reads
 * the live account, read-only, with the operator's credentials; what read-only calls cannot observe (CloudFront's
 * account verification, ECC key support in a Region) it states as guidance.
 *
 * Takes the all-in-one ecosystem file and an agency's own gateway config alike.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { restApiLogging } from '../lib/config/api-gateway-logging';
import { concurrencyPlan, type AccountConcurrency } from '../lib/config/concurrency-plan';
import { CLOUDFRONT_UNAVAILABLE_GUIDANCE, configurationDistribution } from '../lib/config/configuration-distribution';
import type { CentralConfig } from '../lib/config/central-config';
import { parseEcosystemConfig, splitEcosystemConfig } from '../lib/config/ecosystem-config';
import { parseGatewayConfig, type GatewayConfig } from '../lib/config/gateway-config';
import type { Output } from './commands';
import { printable } from './printable';

/** The documents a deployment is made of: the central operator's and the agencies'. */
export interface DeploymentPlan {
  readonly central?: CentralConfig;
  readonly gateways: readonly GatewayConfig[];
}

export type CheckStatus = 'ok' | 'fail' | 'todo' | 'info';

export interface PreflightCheck {
  /** What is checked: `Lambda concurrency`, `CDK bootstrap`, … */
  readonly name: string;
  /** `fail`: the plan cannot deploy as it is; `todo`: a step the operator must take first; `info`: guidance. */
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to do about it. */
  readonly fix?: string;
}

export interface AccountPreflight {
  readonly account: string;
  readonly region: string;
  /** `central`, `gateway <name>`. */
  readonly parties: readonly string[];
  readonly checks: readonly PreflightCheck[];
}

/** The CDK bootstrap version the synthesized templates require (their `CheckBootstrapVersion` rule). */
export const REQUIRED_BOOTSTRAP_VERSION = 6;

/**
 * A deployment plan from a config file: an ecosystem file (`agencies`) or one agency's gateway config. Relative paths
 * in it (OpenAPI documents) are read from its folder.
 */
export function deploymentPlanOf(file: string): DeploymentPlan {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (Array.isArray(raw.agencies)) {
    const { central, gateways } = splitEcosystemConfig(parseEcosystemConfig(raw, file, dirname(file)));
    return { central, gateways };
  }
  return { gateways: [parseGatewayConfig(raw, file, dirname(file))] };
}

/** The pre-flight from the config alone (no AWS call): one block per (account, Region). */
export function offlinePreflight(plan: DeploymentPlan): AccountPreflight[] {
  const concurrency = concurrencyPlan({ central: plan.central, gateways: plan.gateways });
  return concurrency.map((place) => {
    const gateways = plan.gateways.filter((gateway) => gateway.account === place.account && gateway.region === place.region);
    const central =
      plan.central && plan.central.central.account === place.account && plan.central.central.region === place.region ? plan.central : undefined;
    return {
      account: place.account,
      region: place.region,
      parties: place.parties,
      checks: [
        concurrencyCheck(place),
        loggingCheck(central, gateways),
        ...(central ? [cloudFrontCheck(central)] : []),
        ...gateways.filter((gateway) => gateway.vpc !== undefined).map(vpcCheck),
        wafCheck(central, gateways),
        kmsCheck(central, gateways, place.region),
        ...boundaryChecks(central, gateways),
        bootstrapCheck(place),
      ],
    };
  });
}

function concurrencyCheck(place: AccountConcurrency): PreflightCheck {
  return {
    name: 'Lambda concurrency',
    status: place.ok ? 'ok' : 'fail',
    detail: place.summary,
    ...(place.ok
      ? {}
      : {
          fix: 'Lower or remove `concurrency` reservations, or raise the account’s quota (Service Quotas, "Concurrent executions") and state it in `lambdaConcurrencyQuota`.',
        }),
  };
}

const LOGGING = 'API Gateway logging role';

/**
 * REST API stages log through the account's API Gateway CloudWatch role, one setting per account and Region
 * (`restApiLogging` decides per stack): say where it comes from, or that the stages will not log.
 */
function loggingCheck(central: CentralConfig | undefined, gateways: readonly GatewayConfig[]): PreflightCheck {
  const stacks = [
    ...(central ? [{ party: 'central', logging: restApiLogging(central.central, 'central.') }] : []),
    ...gateways.map((gateway) => ({ party: `gateway ${gateway.name}`, logging: restApiLogging(gateway) })),
  ];
  const setter = stacks.find((stack) => stack.logging.accountRole === 'set-by-this-stack');
  const silent = stacks.filter((stack) => !stack.logging.enabled);
  if (silent.length > 0) {
    return {
      name: LOGGING,
      status: 'info',
      detail: `the REST API stages of ${silent.map((stack) => stack.party).join(', ')} will not log (no role the config knows of)`,
      fix: silent[0].logging.guidance,
    };
  }
  return {
    name: LOGGING,
    status: 'ok',
    detail: setter
      ? `${setter.party} sets the account’s role; REST API stages log`
      : 'the config says the account has the role; REST API stages log (with --aws, doctor reads it)',
  };
}

function cloudFrontCheck(central: CentralConfig): PreflightCheck {
  const distribution = configurationDistribution(central.central);
  if (!distribution.cdn)
    return {
      name: 'CloudFront',
      status: 'ok',
      detail: `the central of ${central.instance} deploys without a CDN (central.configurationCdn is false): gateways read GET /globalconf`,
    };
  return {
    name: 'CloudFront',
    status: 'info',
    detail: `the central of ${central.instance} distributes the global configuration through a CloudFront distribution`,
    fix: CLOUDFRONT_UNAVAILABLE_GUIDANCE,
  };
}

function vpcCheck(gateway: GatewayConfig): PreflightCheck {
  return {
    name: `VPC egress (gateway ${gateway.name})`,
    status: 'todo',
    detail: `the gateway’s functions run in ${gateway.vpc!.vpcId} (subnets ${gateway.vpc!.subnetIds.join(', ')})`,
    fix: 'Those subnets need a route to DynamoDB, KMS, S3, CloudWatch Logs and the other gateways’ and the central’s APIs: a NAT gateway, or VPC endpoints (gateway endpoints for DynamoDB and S3; interface endpoints for KMS, Logs and execute-api) plus a NAT for the public execute-api URLs of other accounts.',
  };
}

function wafCheck(central: CentralConfig | undefined, gateways: readonly GatewayConfig[]): PreflightCheck {
  const acls = [
    ...(central?.central.waf.enabled ? ['central API'] : []),
    ...gateways.filter((gateway) => gateway.waf.enabled && gateway.providerApi !== 'http').map((gateway) => `provider API of ${gateway.name}`),
  ];
  if (acls.length === 0) return { name: 'AWS WAF', status: 'info', detail: 'no web ACL here (waf.enabled is false everywhere)' };
  return {
    name: 'AWS WAF',
    status: 'ok',
    detail: `${acls.length} regional web ACL(s): ${acls.join(', ')} — within WAF’s default quota of 100 web ACLs per account and Region; each costs $5 a month plus $1 per rule and $0.60 per million requests`,
  };
}

function kmsCheck(central: CentralConfig | undefined, gateways: readonly GatewayConfig[], region: string): PreflightCheck {
  const keys =
    (central ? (central.central.signingKeys?.published.length ?? 1) : 0) +
    gateways.reduce((sum, gateway) => sum + (gateway.signingKeys?.published.length ?? 1), 0);
  return {
    name: 'KMS keys',
    status: 'info',
    detail: `${keys} ECC_NIST_P256 signing key(s), kept on stack deletion ($1 a key-month)`,
    fix: `Asymmetric ECC keys exist in every commercial Region; check ${region} if it is an opt-in or partitioned Region (KMS "Asymmetric keys" Region support).`,
  };
}

/** A landing zone's permissions boundary: on every role the stacks create, and on the CDK's own deploy roles. */
function boundaryChecks(central: CentralConfig | undefined, gateways: readonly GatewayConfig[]): PreflightCheck[] {
  const boundaries = [
    ...(central?.central.permissionsBoundary ? [central.central.permissionsBoundary] : []),
    ...gateways.flatMap((gateway) => (gateway.permissionsBoundary ? [gateway.permissionsBoundary] : [])),
  ];
  return [...new Set(boundaries)].map((boundary) => ({
    name: 'Permissions boundary',
    status: 'todo' as const,
    detail: `every role the stacks create carries ${boundary}`,
    fix: `The policy must exist in the account; bootstrap with the same boundary (npx cdk bootstrap --custom-permissions-boundary ${boundary.split('/').pop()}) where the landing zone requires one on the CDK's roles too.`,
  }));
}

function bootstrapCheck(place: Pick<AccountConcurrency, 'account' | 'region'>): PreflightCheck {
  return {
    name: 'CDK bootstrap',
    status: 'todo',
    detail: `the stacks need the CDK bootstrap stack, version ${REQUIRED_BOOTSTRAP_VERSION} or later, in ${place.account}/${place.region}; a stack is protected from deletion from its first create (a failed first deploy: README, "A failed first deploy")`,
    fix: `npx cdk bootstrap aws://${place.account}/${place.region} (once per account and Region; with --aws, doctor reads the version deployed)`,
  };
}

/** What `--aws` reads from one account and Region, read-only. */
export interface AccountProbe {
  /** The account the credentials belong to. */
  account(): Promise<string>;
  /** Lambda's concurrency quota and what is unreserved now (`GetAccountSettings`). */
  lambda(region: string): Promise<{ quota: number; unreserved: number }>;
  /** The account's API Gateway CloudWatch role, if any (`GetAccount`). */
  apiGatewayRole(region: string): Promise<string | undefined>;
  /** The CDK bootstrap version deployed, if any (the `/cdk-bootstrap/hnb659fds/version` parameter). */
  bootstrapVersion(region: string): Promise<number | undefined>;
}

/** The offline pre-flight with what the live account says, where the credentials belong to the block's account. */
export async function livePreflight(blocks: readonly AccountPreflight[], probe: AccountProbe, plan: DeploymentPlan): Promise<AccountPreflight[]> {
  const account = await probe.account();
  const concurrency = concurrencyPlan({ central: plan.central, gateways: plan.gateways });
  return Promise.all(
    blocks.map(async (block): Promise<AccountPreflight> => {
      if (block.account !== account) {
        return {
          ...block,
          checks: [
            ...block.checks,
            {
              name: 'live account',
              status: 'info',
              detail: `not read: the credentials are for account ${account}`,
              fix: `Run again with credentials of ${block.account} (--profile).`,
            },
          ],
        };
      }
      const place = concurrency.find((entry) => entry.account === block.account && entry.region === block.region)!;
      const [lambda, role, bootstrap] = await Promise.all([
        probe.lambda(block.region),
        probe.apiGatewayRole(block.region),
        probe.bootstrapVersion(block.region),
      ]);
      const live: PreflightCheck[] = [liveConcurrency(place, lambda), liveRole(plan, block, role), liveBootstrap(block, bootstrap)];
      // A live finding replaces the offline guidance of the same name.
      const replaced = new Set(live.map((check) => check.name));
      return { ...block, checks: [...block.checks.filter((check) => !replaced.has(check.name) || check.status === 'fail'), ...live] };
    }),
  );
}

function liveConcurrency(place: AccountConcurrency, lambda: { quota: number; unreserved: number }): PreflightCheck {
  const limit = lambda.unreserved - Math.min(lambda.quota, 100);
  const name = 'Lambda concurrency (live)';
  if (place.sum > limit) {
    return {
      name,
      status: 'fail',
      detail: `the stacks reserve ${place.sum}; the account has a quota of ${lambda.quota}, ${lambda.unreserved} unreserved, so at most ${Math.max(0, limit)} more may be reserved`,
      fix: 'Request a higher "Concurrent executions" quota (Service Quotas) or reserve less.',
    };
  }
  const stated = place.quota !== lambda.quota ? ` (the config states ${place.quota}: set lambdaConcurrencyQuota to ${lambda.quota})` : '';
  return {
    name,
    status: place.quota > lambda.quota ? 'fail' : 'ok',
    detail: `quota ${lambda.quota}, ${lambda.unreserved} unreserved; the stacks reserve ${place.sum}${stated}`,
  };
}

/** What the account has against what the config says of it. */
function liveRole(plan: DeploymentPlan, block: AccountPreflight, role: string | undefined): PreflightCheck {
  const here = (account: string, region: string) => account === block.account && region === block.region;
  const decisions = [
    ...(plan.central && here(plan.central.central.account, plan.central.central.region) ? [restApiLogging(plan.central.central, 'central.')] : []),
    ...plan.gateways.filter((gateway) => here(gateway.account, gateway.region)).map((gateway) => restApiLogging(gateway)),
  ];
  const setsIt = decisions.some((decision) => decision.accountRole === 'set-by-this-stack');
  const assumesIt = decisions.some((decision) => decision.accountRole === 'exists');
  if (!role && assumesIt && !setsIt) {
    return {
      name: LOGGING,
      status: 'fail',
      detail:
        'the config says the account has an API Gateway CloudWatch role (apiGatewayAccountRoleExists) but it has none: the REST API stages would fail to deploy',
      fix: 'Set apiGatewayAccountRole: true in one stack of this account and Region, or apiGatewayAccountRoleExists: false.',
    };
  }
  if (role && setsIt)
    return {
      name: LOGGING,
      status: 'info',
      detail: `the account already has a role (${role}); a stack of this config sets it again (the last deploy wins)`,
      fix: 'Set apiGatewayAccountRoleExists: true instead of apiGatewayAccountRole where the role already exists.',
    };
  if (role && decisions.some((decision) => !decision.enabled))
    return {
      name: LOGGING,
      status: 'info',
      detail: `the account has a role (${role}) the config does not use: REST API stages will not log`,
      fix: 'Set apiGatewayAccountRoleExists: true to have them log.',
    };
  return {
    name: LOGGING,
    status: 'ok',
    detail: role
      ? `the account has a role (${role})`
      : setsIt
        ? 'no role yet; a stack of this config sets it'
        : 'no role, and the REST stages do not log (none needed)',
  };
}

function liveBootstrap(block: AccountPreflight, version: number | undefined): PreflightCheck {
  const name = 'CDK bootstrap';
  if (version === undefined)
    return {
      name,
      status: 'fail',
      detail: 'not bootstrapped (no /cdk-bootstrap/hnb659fds/version parameter)',
      fix: `npx cdk bootstrap aws://${block.account}/${block.region}`,
    };
  if (version < REQUIRED_BOOTSTRAP_VERSION)
    return {
      name,
      status: 'fail',
      detail: `bootstrap version ${version}; the stacks need ${REQUIRED_BOOTSTRAP_VERSION} or later`,
      fix: `npx cdk bootstrap aws://${block.account}/${block.region} with a current CDK CLI`,
    };
  return { name, status: 'ok', detail: `bootstrap version ${version}` };
}

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', fail: 'FAIL', todo: 'todo', info: 'info' };

/** Prints one block per account and Region; returns the exit code: 1 when the plan cannot deploy as it is. */
export function printPreflight(blocks: readonly AccountPreflight[], output: Output): number {
  for (const block of blocks) {
    output.line(`${block.account} / ${block.region} — ${block.parties.join(', ')}`);
    for (const check of block.checks) {
      output.line(`  [${MARK[check.status]}] ${check.name}: ${printable(check.detail)}`);
      if (check.fix) output.line(`         → ${printable(check.fix)}`);
    }
    output.line('');
  }
  const failed = blocks.flatMap((block) =>
    block.checks.filter((check) => check.status === 'fail').map((check) => `${block.account}/${block.region} ${check.name}`),
  );
  output.line(failed.length === 0 ? 'The plan can deploy (do the `todo` steps first).' : `The plan cannot deploy as it is: ${failed.join('; ')}.`);
  return failed.length === 0 ? 0 : 1;
}
