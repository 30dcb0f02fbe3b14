/**
 * Lambda concurrency per (account, Region): what Sild's functions reserve there, and whether Lambda will accept it.
 * Lambda refuses a reservation that leaves less unreserved than its minimum: "you can reserve up to the unreserved
 * account concurrency … minus 100" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html), and
 * with a quota below 100 (a new account's 10) nothing at all ("…decreases account's UnreservedConcurrentExecution below
 * its minimum value of [10]") — so a deployment reserving more fails half-way. The stacks check this plan at synth (`lambda-concurrency-check.ts`); `sild doctor` can print it.
 * Pure: the configs in, the plan out; no AWS call (the quota is what the config states).
 */
import type { CentralConfig } from './central-config';
import { splitEcosystemConfig, type EcosystemConfig } from './ecosystem-config';
import type { GatewayConfig, GatewayFields } from './gateway-config';

/** What Lambda keeps unreserved in an account and Region when the quota allows it. */
export const UNRESERVED_MINIMUM = 100;

/** The unreserved concurrency Lambda keeps with `quota`: `min(quota, 100)`. */
export const unreservedMinimum = (quota: number) => Math.min(quota, UNRESERVED_MINIMUM);

/** One deployment that runs functions: the central, or one agency's gateway. */
export interface ConcurrencyParty {
  /** `central`, or `gateway <name>`. */
  readonly party: string;
  readonly account: string;
  readonly region: string;
  /** The quota this party states for its account and Region (`lambdaConcurrencyQuota`). */
  readonly lambdaConcurrencyQuota: number;
  /** Reserved concurrency by function (construct id); functions without a reservation are not listed. */
  readonly reservations: Readonly<Record<string, number>>;
}

export interface FunctionReservation {
  readonly party: string;
  /** The function's construct id (`ConsumerFunction`, `CentralFunction`…). */
  readonly function: string;
  readonly reserved: number;
}

/** The plan of one account and Region. */
export interface AccountConcurrency {
  readonly account: string;
  readonly region: string;
  /** The parties deploying there, in config order. */
  readonly parties: readonly string[];
  readonly reservations: readonly FunctionReservation[];
  /** The reservations' sum. */
  readonly sum: number;
  /** The quota counted: the smallest any party there states. */
  readonly quota: number;
  /** Each party's stated quota — more than one value when they disagree (the smallest counts). */
  readonly statedQuotas: readonly { readonly party: string; readonly quota: number }[];
  /** What Lambda keeps unreserved: `min(quota, 100)`. */
  readonly unreservedMinimum: number;
  /** The most the functions there may reserve: `quota - unreservedMinimum`. */
  readonly limit: number;
  readonly ok: boolean;
  /** One line for people: the sum against the limit, what to change when it does not fit, disagreeing quotas. */
  readonly summary: string;
}

/** The documents a plan is made of: the central operator's and any agencies' (as `splitEcosystemConfig` gives them). */
export interface ConcurrencyPlanDocuments {
  /** @default - no central in the plan */
  readonly central?: CentralConfig;
  /** @default - no gateway in the plan */
  readonly gateways?: readonly GatewayConfig[];
}

/** The central's functions as the plan sees them (only the central function may reserve; the publisher never does). */
export function centralParty(config: Pick<CentralConfig, 'central'>): ConcurrencyParty {
  const { account, region, concurrency, lambdaConcurrencyQuota } = config.central;
  return { party: 'central', account, region, lambdaConcurrencyQuota, reservations: reservedOnly({ CentralFunction: concurrency }) };
}

/** A gateway's functions as the plan sees them (the consumer, provider and sealer may reserve; canary and registrar never do). */
export function gatewayParty(
  gateway: Pick<GatewayFields, 'name' | 'account' | 'region' | 'concurrency' | 'lambdaConcurrencyQuota'>,
): ConcurrencyParty {
  const { consumer, provider, sealer } = gateway.concurrency;
  return {
    party: `gateway ${gateway.name}`,
    account: gateway.account,
    region: gateway.region,
    lambdaConcurrencyQuota: gateway.lambdaConcurrencyQuota,
    reservations: reservedOnly({ ConsumerFunction: consumer, ProviderFunction: provider, SealerFunction: sealer }),
  };
}

/** The plan of every (account, Region) the config deploys to, ordered by account and Region. */
export function concurrencyPlan(config: EcosystemConfig | ConcurrencyPlanDocuments): AccountConcurrency[] {
  const documents: ConcurrencyPlanDocuments = 'instance' in config ? splitEcosystemConfig(config) : config;
  return planOfParties([...(documents.central ? [centralParty(documents.central)] : []), ...(documents.gateways ?? []).map(gatewayParty)]);
}

/** The plan of parties grouped by (account, Region). */
export function planOfParties(parties: readonly ConcurrencyParty[]): AccountConcurrency[] {
  const groups = new Map<string, ConcurrencyParty[]>();
  for (const party of parties) {
    const key = `${party.account} ${party.region}`;
    groups.set(key, [...(groups.get(key) ?? []), party]);
  }
  return [...groups.keys()].sort().map((key) => accountConcurrency(groups.get(key)!));
}

function accountConcurrency(parties: readonly ConcurrencyParty[]): AccountConcurrency {
  const { account, region } = parties[0];
  const reservations = parties.flatMap((party) =>
    Object.entries(party.reservations).map(([fn, reserved]) => ({ party: party.party, function: fn, reserved })),
  );
  const sum = reservations.reduce((total, entry) => total + entry.reserved, 0);
  const statedQuotas = parties.map((party) => ({ party: party.party, quota: party.lambdaConcurrencyQuota }));
  const quota = Math.min(...statedQuotas.map((stated) => stated.quota));
  const minimum = unreservedMinimum(quota);
  const limit = quota - minimum;
  const ok = sum <= limit;
  const where = `Lambda concurrency in account ${account}, Region ${region}`;
  const listed = reservations.map((entry) => `${entry.party} ${entry.function} ${entry.reserved}`).join(', ');
  const disagreeing =
    new Set(statedQuotas.map((stated) => stated.quota)).size > 1
      ? ` The parties there state different quotas (${statedQuotas.map((stated) => `${stated.party} ${stated.quota}`).join(', ')}): the smallest counts.`
      : '';
  const summary = ok
    ? `${where}: ${sum} reserved${listed ? ` (${listed})` : ''}, within the ${limit} a quota of ${quota} lets functions reserve.${disagreeing}`
    : `${where}: the reservations sum to ${sum} (${listed}), above the limit of ${limit} — the quota of ${quota} less the ${minimum} Lambda keeps unreserved — so Lambda would refuse them at deploy.` +
      ` Reserve less (concurrency), or have AWS raise the quota (Service Quotas, L-B99A9384) and state it in lambdaConcurrencyQuota.${disagreeing}`;
  return {
    account,
    region,
    parties: parties.map((party) => party.party),
    reservations,
    sum,
    quota,
    statedQuotas,
    unreservedMinimum: minimum,
    limit,
    ok,
    summary,
  };
}

function reservedOnly(reservations: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(Object.entries(reservations).filter((entry): entry is [string, number] => entry[1] !== undefined));
}
