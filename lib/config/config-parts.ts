/**
 * The pieces the config documents are made of (the central operator's, each agency's, and the all-in-one ecosystem
 * file): identifier parts, accounts and Regions, access-right subjects, services, WAF — each defined once.
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import * as z from 'zod';
import { invalidPartReason } from '../../lambdas/core/kernel/identifiers';

/** An X-Road identifier part (`A–Z a–z 0–9 ' ( ) + , - . = ?`, at most 255 characters). */
export const part = (what: string) =>
  z.string().superRefine((value, context) => {
    const reason = invalidPartReason(value);
    if (reason) context.addIssue({ code: 'custom', message: `${what} ${reason}` });
  });

export const accountSchema = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
/** Regions as aws-cdk-lib knows them (its bundled region facts): a typo such as `eu-nort-1` is refused at synth. */
const KNOWN_REGIONS: ReadonlySet<string> = new Set(RegionInfo.regions.map((region) => region.name));
export const regionSchema = z.string().refine((value) => KNOWN_REGIONS.has(value), {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not an AWS Region aws-cdk-lib knows (such as eu-north-1; a Region newer than this aws-cdk-lib needs an upgrade)`,
});

/** `INST/CLASS/CODE/SUB`, `globalgroup:INST/CODE` or `localgroup:CODE`. */
export const subjectSchema = z
  .string()
  .regex(
    /^(globalgroup:[^/]+\/[^/]+|localgroup:[^/]+|[^/:]+\/[^/]+\/[^/]+\/[^/]+)$/,
    'must be INSTANCE/CLASS/CODE/SUBSYSTEM, globalgroup:INSTANCE/CODE or localgroup:CODE',
  );

/** An agency's stable name: stack names, local URLs, the join allow-list and its gateway's server code. */
export const agencyNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'must be lower-case letters, digits and dashes, starting with a letter');

/** A member as the config names it. */
export const memberSchema = strictObject({ class: part('Member class'), code: part('Member code'), name: z.string().min(1) });

/** A per-IP limit of an AWS WAF rate-based rule (WAF's own bounds). */
const wafLimit = () => z.number().int().min(10).max(2_000_000_000);

const WAF_FIELDS = {
  /** @default true */
  enabled: z.boolean().default(true),
  /** Requests per source IP per 5 minutes before WAF blocks it. @default 3000 */
  ratePer5Minutes: wafLimit().default(3000),
};

/** AWS WAF on an internet-facing API: a rate-based rule per source IP. */
export const wafSchema = strictObject(WAF_FIELDS);
export const WAF_DEFAULT = { enabled: true, ratePer5Minutes: 3000 };

/** Lambda's default concurrency quota per account and Region (a new account's may be 10: state it then). */
export const DEFAULT_LAMBDA_CONCURRENCY_QUOTA = 1000;

/**
 * AWS WAF on a provider API, which other gateways call — several of them, or a whole agency's traffic, from one
 * NAT or Lambda egress address: requests carrying a signed Sild message (`x-sild-manifest` and `x-sild-signature`) are
 * limited per source IP by `signedRatePer5Minutes`, all others by `ratePer5Minutes` (`RateLimitWebAcl`).
 */
export const providerWafSchema = strictObject({
  ...WAF_FIELDS,
  /**
   * Requests per source IP per 5 minutes carrying a signed message before WAF blocks that IP's signed messages:
   * 60,000 lets one address send 200 messages a second, twice what a busy peer gateway sends (100/s is 30,000).
   * @default 60000
   */
  signedRatePer5Minutes: wafLimit().default(60_000),
});
export const PROVIDER_WAF_DEFAULT = { ...WAF_DEFAULT, signedRatePer5Minutes: 60_000 };

/**
 * The configuration anchor's key as the central stack prints it: an EC public key, DER SPKI in base64. Checked at
 * synth: a mistyped anchor would otherwise surface only when the deployed gateway rejects every global configuration.
 */
export const anchorKeySchema = z.string().refine((value) => {
  try {
    const key = /^[A-Za-z0-9+/]+={0,2}$/.test(value)
      ? createPublicKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'spki' })
      : undefined;
    // KMS ECC_NIST_P256: the only key type the central signs with.
    return key?.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}, 'must be the central public key as the central stack outputs it (a P-256 EC key, DER SPKI, base64)');

/**
 * The IAM managed policy every role of a deployment gets as its permissions boundary (landing zones of governments
 * often require one on every role): an AWS managed policy, or a customer managed one of the deployment's own account
 * (a role's boundary must be a managed policy the account can attach). @default - no boundary
 */
export const permissionsBoundarySchema = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/, 'must be an IAM managed policy ARN (arn:aws:iam::ACCOUNT:policy/NAME)');

/** A customer managed boundary policy must be in the account whose roles it bounds; names the problem if it is not. */
export function permissionsBoundaryProblem(arn: string | undefined, account: string): string | undefined {
  const owner = arn === undefined ? undefined : /^arn:[^:]+:iam::(aws|\d{12}):/.exec(arn)?.[1];
  return owner === undefined || owner === 'aws' || owner === account
    ? undefined
    : `is a policy of account ${owner}; the roles deploy to ${account}, and a permissions boundary must be a managed policy of their own account (or an AWS managed one)`;
}

/** A config error: the message lists every problem as `field: reason`. */
/**
 * A deployment's KMS signing keys, by name — the key rotation procedure in AWS (README, "Key rotation"): add a key
 * to `published`, deploy, wait; make it `current`, deploy, wait; drop the old one from `published`, deploy. `initial`
 * names the key the first deployment created. A key dropped from the list leaves the stack but stays in KMS
 * (retained): evidence signed with it keeps verifying against the configurations that listed it.
 */
export const signingKeysSchema = strictObject({
  /** Every key listed (gateway: published in the global configuration; central: able to sign a hand-over). */
  published: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits and dashes'))
    .min(1)
    .max(3),
  /** The key that signs now: one of `published`. */
  current: z.string(),
}).superRefine((keys, context) => {
  if (!keys.published.includes(keys.current))
    context.addIssue({ code: 'custom', path: ['current'], message: `must be one of published (${keys.published.join(', ')})` });
  if (new Set(keys.published).size !== keys.published.length) context.addIssue({ code: 'custom', path: ['published'], message: 'lists a key twice' });
});

export type SigningKeysConfig = z.infer<typeof signingKeysSchema>;

/** Where a stack's alarms are sent: its SNS topic, with these e-mail subscriptions (each confirms by mail). */
export const alarmEmailsSchema = z.array(z.email({ error: 'must be an e-mail address' })).default([]);

/** The name of the key the first deployment created. */
export const INITIAL_SIGNING_KEY = 'initial';

/**
 * An object that refuses fields it does not know — a typo such as `acessRights` would otherwise deploy an empty
 * policy — and names the field it probably meant.
 */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? issue.keys.map((key) => unknownField(key, known)).join('; ') : undefined),
  });
}

function unknownField(key: string, known: readonly string[]): string {
  const closest = known
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance)[0];
  const extended = known.find((candidate) => candidate.toLowerCase().startsWith(key.toLowerCase()));
  const meant = closest && closest.distance <= (key.length >= 6 ? 3 : 2) ? closest.candidate : extended;
  const hint = meant ? ` (did you mean "${meant}"?)` : '';
  return `unknown field "${key}"${hint}; known: ${known.join(', ')}`;
}

/** Levenshtein distance (short config keys: the quadratic table is a few hundred cells). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Formats zod issues (and problems found before parsing) as one `ConfigError`. */
export function configError(
  title: string,
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  earlier: readonly string[] = [],
): ConfigError {
  const problems = [...earlier, ...issues.map((issue) => `  ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)];
  return new ConfigError(`${title}:\n${problems.join('\n')}`);
}

/** Reads a JSON config file; a missing file or invalid JSON is a ConfigError naming the file. */
export function readJsonConfig(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${what[0].toUpperCase()}${what.slice(1)} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}
