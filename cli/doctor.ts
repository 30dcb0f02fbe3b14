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
import { concurrencyPlan, type AccountConcurrency } from '../lib/config/concurrency-plan';
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
    const central = plan.central && plan.central.central.account === place.account && plan.central.central.region === place.region ? plan.central : undefined;
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
    ...(place.ok ? {} : { fix: 'Lower or remove `concurrency` reservations, or raise the account’s quota (Service Quotas, "Concurrent executions") and state it in `lambdaConcurrencyQuota`.' }),
  };
}

/** REST API stages log through the account's API Gateway CloudWatch role, one setting per account and Region. */
function loggingCheck(central: CentralConfig | undefined, gateways: readonly GatewayConfig[]): PreflightCheck {
  const setters = [...(central?.central.apiGatewayAccountRole ? ['central'] : []), ...gateways.filter((gateway) => gateway.apiGatewayAccountRole).map((gateway) => `gateway ${gateway.name}`)];
  if (setters.length > 1) {
    return { name: 'API Gateway logging role', status: 'fail', detail: `${setters.join(' and ')} each set the account’s API Gateway CloudWatch role`, fix: 'Let one stack per account and Region set it (`apiGatewayAccountRole: true` on one party only).' };
  }
  if (setters.length === 1) return { name: 'API Gateway logging role', status: 'ok', detail: `${setters[0]} sets the account’s API Gateway CloudWatch role (REST API logging works on a fresh account)` };
  return {
    name: 'API Gateway logging role',
    status: 'info',
    detail: 'no stack here sets the account’s API Gateway CloudWatch role',
    fix: 'REST API stages log through it: on an account where no role is set yet, set `apiGatewayAccountRole: true` on one party here (with --aws, doctor reads whether one is set).',
  };
}

function cloudFrontCheck(central: CentralConfig): PreflightCheck {
  return {
    name: 'CloudFront',
    status: 'info',
    detail: `the central of ${central.instance} distributes the global configuration through a CloudFront distribution`,
    fix: 'A new account may be refused distributions until AWS verifies it ("Your account must be verified before you can add new CloudFront resources"); read-only calls cannot see this. If the first deploy fails so, contact AWS Support, or deploy without the CDN until then (gateways read the central API instead) — see README, Deploying to AWS.',
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
  const acls = [...(central?.central.waf.enabled ? ['central API'] : []), ...gateways.filter((gateway) => gateway.waf.enabled && gateway.providerApi !== 'http').map((gateway) => `provider API of ${gateway.name}`)];
  if (acls.length === 0) return { name: 'AWS WAF', status: 'info', detail: 'no web ACL here (waf.enabled is false everywhere)' };
  return {
    name: 'AWS WAF',
    status: 'ok',
    detail: `${acls.length} regional web ACL(s): ${acls.join(', ')} — within WAF’s default quota of 100 web ACLs per account and Region; each costs $5 a month plus $1 per rule and $0.60 per million requests`,
  };
}

function kmsCheck(central: CentralConfig | undefined, gateways: readonly GatewayConfig[], region: string): PreflightCheck {
  const keys = (central ? central.central.signingKeys?.published.length ?? 1 : 0) + gateways.reduce((sum, gateway) => sum + (gateway.signingKeys?.published.length ?? 1), 0);
  return {
    name: 'KMS keys',
    status: 'info',
    detail: `${keys} ECC_NIST_P256 signing key(s), kept on stack deletion ($1 a key-month)`,
    fix: `Asymmetric ECC keys exist in every commercial Region; check ${region} if it is an opt-in or partitioned Region (KMS "Asymmetric keys" Region support).`,
  };
}

function bootstrapCheck(place: Pick<AccountConcurrency, 'account' | 'region'>): PreflightCheck {
  return {
    name: 'CDK bootstrap',
    status: 'todo',
    detail: `the stacks need the CDK bootstrap stack, version ${REQUIRED_BOOTSTRAP_VERSION} or later, in ${place.account}/${place.region}`,
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
        return { ...block, checks: [...block.checks, { name: 'live account', status: 'info', detail: `not read: the credentials are for account ${account}`, fix: `Run again with credentials of ${block.account} (--profile).` }] };
      }
      const place = concurrency.find((entry) => entry.account === block.account && entry.region === block.region)!;
      const [lambda, role, bootstrap] = await Promise.all([probe.lambda(block.region), probe.apiGatewayRole(block.region), probe.bootstrapVersion(block.region)]);
      const live: PreflightCheck[] = [liveConcurrency(place, lambda), liveRole(block, role), liveBootstrap(block, bootstrap)];
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
    return { name, status: 'fail', detail: `the stacks reserve ${place.sum}; the account has a quota of ${lambda.quota}, ${lambda.unreserved} unreserved, so at most ${Math.max(0, limit)} more may be reserved`, fix: 'Request a higher "Concurrent executions" quota (Service Quotas) or reserve less.' };
  }
  const stated = place.quota !== lambda.quota ? ` (the config states ${place.quota}: set lambdaConcurrencyQuota to ${lambda.quota})` : '';
  return { name, status: place.quota > lambda.quota ? 'fail' : 'ok', detail: `quota ${lambda.quota}, ${lambda.unreserved} unreserved; the stacks reserve ${place.sum}${stated}` };
}

function liveRole(block: AccountPreflight, role: string | undefined): PreflightCheck {
  const name = 'API Gateway logging role';
  const offline = block.checks.find((check) => check.name === name);
  if (role) return { name, status: offline?.status === 'ok' ? 'info' : 'ok', detail: `the account already has a CloudWatch role for API Gateway (${role})`, ...(offline?.status === 'ok' ? { fix: 'A stack of this config also sets it: the last deploy wins; keep `apiGatewayAccountRole` on one stack only, or drop it where the role exists.' } : {}) };
  if (offline?.status === 'ok') return { name, status: 'ok', detail: 'no role yet; a stack of this config sets it' };
  return { name, status: 'fail', detail: 'the account has no API Gateway CloudWatch role and no stack here sets one: REST API stages that log would fail to deploy', fix: 'Set `apiGatewayAccountRole: true` on one party in this account and Region.' };
}

function liveBootstrap(block: AccountPreflight, version: number | undefined): PreflightCheck {
  const name = 'CDK bootstrap';
  if (version === undefined) return { name, status: 'fail', detail: 'not bootstrapped (no /cdk-bootstrap/hnb659fds/version parameter)', fix: `npx cdk bootstrap aws://${block.account}/${block.region}` };
  if (version < REQUIRED_BOOTSTRAP_VERSION) return { name, status: 'fail', detail: `bootstrap version ${version}; the stacks need ${REQUIRED_BOOTSTRAP_VERSION} or later`, fix: `npx cdk bootstrap aws://${block.account}/${block.region} with a current CDK CLI` };
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
  const failed = blocks.flatMap((block) => block.checks.filter((check) => check.status === 'fail').map((check) => `${block.account}/${block.region} ${check.name}`));
  output.line(failed.length === 0 ? 'The plan can deploy (do the `todo` steps first).' : `The plan cannot deploy as it is: ${failed.join('; ')}.`);
  return failed.length === 0 ? 0 : 1;
}
