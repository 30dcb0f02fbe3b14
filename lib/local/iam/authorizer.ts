/**
 * Who calls the local AWS services, and whether IAM would let them: a directory of local principals (the operator,
 * each Sild function, the agencies' own callers) and the decision for each call, evaluated with
 * `@cloud-copilot/iam-simulate` over the identity policies the stacks give a function and the resource's own policy
 * (key policy, bucket policy, API resource policy) — the same-account and cross-account rules included.
 *
 * Licence: iam-simulate is AGPL-3.0-or-later. It is a devDependency, used by the local runtime and tests only; no
 * file under `lambdas/` imports it, nor anything the package ships (`lib/local/` is left out of `files`). ADR 0011.
 */
import { randomBytes } from 'node:crypto';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from './model';

export interface LocalPrincipal {
  /** `operator`, `tax-board/consumer`, `central/publisher`, … */
  readonly name: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Where the principal lives; undefined for the operator (an administrator of every local account). */
  readonly account?: string;
  /** The caller ARN AWS reports (a role's session). */
  readonly arn: string;
  /** Its identity policies; undefined for the operator, who may do anything (as a deploying role does). */
  readonly policies?: readonly PolicyDocument[];
}

export interface AuthorizationRequest {
  readonly principal: LocalPrincipal;
  /** `dynamodb:GetItem`, `kms:Sign`, … */
  readonly action: string;
  /** The resource's ARN as IAM sees it. */
  readonly resource: string;
  readonly resourceAccount: string;
  /** The resource's own policy, where the service has one. @default none */
  readonly resourcePolicy?: PolicyDocument;
  /** Condition keys of the request (`dynamodb:LeadingKeys`, `kms:SigningAlgorithm`, …). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** The resource as the refusal names it. @default resource */
  readonly shownResource?: string;
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly message: string };

/** The local operator credential: the CLI, deploy-time writes and test helpers (an administrator, as in AWS). */
export const OPERATOR_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
const OPERATOR: LocalPrincipal = { name: 'operator', ...OPERATOR_CREDENTIALS, arn: 'arn:aws:iam::000000000000:user/local-operator' };

/** Decisions are pure functions of their inputs: a warm gateway asks the same few questions over and over. */
const MAX_CACHED_DECISIONS = 10_000;

export class LocalAuthorizer {
  private readonly principals = new Map<string, LocalPrincipal>([[OPERATOR.accessKeyId, OPERATOR]]);
  private readonly decisions = new Map<string, Decision>();

  /** Adds principals (their credentials are how a request names them). */
  add(principals: readonly LocalPrincipal[]): void {
    for (const principal of principals) this.principals.set(principal.accessKeyId, principal);
    this.decisions.clear();
  }

  /** Removes every principal but the operator (the ecosystem that installed them stopped). */
  reset(): void {
    for (const key of [...this.principals.keys()]) if (key !== OPERATOR.accessKeyId) this.principals.delete(key);
    this.decisions.clear();
  }

  /** The principal an access key belongs to. */
  principal(accessKeyId: string): LocalPrincipal | undefined {
    return this.principals.get(accessKeyId);
  }

  /** Every known credential, for the services' signature checks. */
  credentials(): readonly { accessKeyId: string; secretAccessKey: string; account: string; arn: string }[] {
    return [...this.principals.values()].map((principal) => ({
      accessKeyId: principal.accessKeyId,
      secretAccessKey: principal.secretAccessKey,
      account: principal.account ?? '000000000000',
      arn: principal.arn,
    }));
  }

  async authorize(request: AuthorizationRequest): Promise<Decision> {
    const { principal } = request;
    if (principal.policies === undefined) return { allowed: true };
    const normalized = { ...request, context: comparableContext(principal, request.context) };
    const key = JSON.stringify([
      principal.accessKeyId,
      request.action,
      request.resource,
      request.resourceAccount,
      normalized.context ?? {},
      request.resourcePolicy ?? null,
    ]);
    const known = this.decisions.get(key);
    if (known) return known;
    const decision = await this.evaluate(normalized);
    if (this.decisions.size >= MAX_CACHED_DECISIONS) this.decisions.clear();
    this.decisions.set(key, decision);
    return decision;
  }

  private async evaluate(request: AuthorizationRequest): Promise<Decision> {
    const { principal, action } = request;
    const response = await runSimulation(
      {
        identityPolicies: (principal.policies ?? []).map((policy, index) => ({ name: `policy-${index}`, policy: policy as never })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy as never } : {}),
        request: {
          action,
          principal: principal.arn,
          resource: { accountId: request.resourceAccount, resource: request.resource },
          contextVariables: { 'aws:SecureTransport': 'true', ...request.context } as never,
        },
      },
      {},
    );
    const refused = (because: string): Decision => ({
      allowed: false,
      message: `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${request.shownResource ?? request.resource} ${because}`,
    });
    // A model the simulator cannot read refuses, loudly: nothing is allowed that the policies do not say.
    if (response.resultType !== 'single')
      return refused(
        `because the local IAM model could not be evaluated: ${JSON.stringify((response as { errors?: unknown }).errors ?? response.resultType).slice(0, 300)}`,
      );
    if (response.overallResult === 'Allowed') return { allowed: true };
    const analysis = response.result.analysis as
      { identityAnalysis?: { result?: string }; resourceAnalysis?: { result?: string }; sameAccount?: boolean } | undefined;
    if (analysis?.identityAnalysis?.result === 'ExplicitlyDenied') return refused('with an explicit deny in an identity-based policy');
    if (analysis?.resourceAnalysis?.result === 'ExplicitlyDenied') return refused('with an explicit deny in a resource-based policy');
    if (analysis?.identityAnalysis?.result !== 'Allowed') return refused(`because no identity-based policy allows the ${action} action`);
    return refused(`because no resource-based policy allows the ${action} action`);
  }
}

const LEADING_KEYS = 'dynamodb:leadingkeys';
/** Stands for every leading key no policy of the principal names (each log record has a key of its own). */
const UNNAMED_KEY = '\u0000unnamed-key';
const literalKeysOf = new WeakMap<LocalPrincipal, ReadonlySet<string> | null>();

/**
 * The request's context with each leading key that none of the principal's policies names replaced by one stand-in:
 * where every condition on `dynamodb:LeadingKeys` compares whole strings (`StringEquals`, `StringNotEquals`), such keys
 * are indistinguishable to the policies, and the decision for one is the decision for all — so it can be cached.
 */
function comparableContext(principal: LocalPrincipal, context: AuthorizationRequest['context']): AuthorizationRequest['context'] {
  const keys = context?.['dynamodb:LeadingKeys'];
  if (keys === undefined) return context;
  if (!literalKeysOf.has(principal)) literalKeysOf.set(principal, namedLeadingKeys(principal.policies ?? []));
  const named = literalKeysOf.get(principal);
  if (!named) return context;
  return { ...context, 'dynamodb:LeadingKeys': [keys].flat().map((key) => (named.has(key) ? key : UNNAMED_KEY)) };
}

/** Every leading key the policies name, or null when some condition on them is not an exact string comparison. */
function namedLeadingKeys(policies: readonly PolicyDocument[]): ReadonlySet<string> | null {
  const named = new Set<string>();
  for (const statement of policies.flatMap((policy) => policy.Statement)) {
    for (const [operator, conditions] of Object.entries((statement.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
      for (const [key, values] of Object.entries(conditions)) {
        if (key.toLowerCase() !== LEADING_KEYS) continue;
        const base = operator.replace(/^(ForAllValues|ForAnyValue):/, '').replace(/IfExists$/, '');
        if (base !== 'StringEquals' && base !== 'StringNotEquals') return null;
        for (const value of [values].flat()) named.add(String(value));
      }
    }
  }
  return named;
}

/** A fresh local credential (the `AKIA…` form, as IAM issues them). */
export function newLocalCredential(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: `AKIALOCAL${randomBytes(6).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(24).toString('base64') };
}
