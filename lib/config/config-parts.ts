/**
 * The pieces the config documents are made of (the central operator's, each agency's, and the all-in-one ecosystem
 * file): identifier parts, accounts and Regions, access-right subjects, services, WAF — each defined once.
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { invalidPartReason } from '../../lambdas/core/identifiers';

/** An X-Road identifier part (`A–Z a–z 0–9 ' ( ) + , - . = ?`, at most 255 characters). */
export const part = (what: string) =>
  z.string().superRefine((value, context) => {
    const reason = invalidPartReason(value);
    if (reason) context.addIssue({ code: 'custom', message: `${what} ${reason}` });
  });

export const accountSchema = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
export const regionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-north-1');

/** `INST/CLASS/CODE/SUB`, `globalgroup:INST/CODE` or `localgroup:CODE`. */
export const subjectSchema = z
  .string()
  .regex(/^(globalgroup:[^/]+\/[^/]+|localgroup:[^/]+|[^/:]+\/[^/]+\/[^/]+\/[^/]+)$/, 'must be INSTANCE/CLASS/CODE/SUBSYSTEM, globalgroup:INSTANCE/CODE or localgroup:CODE');

/** An agency's stable name: stack names, local URLs, the join allow-list and its gateway's server code. */
export const agencyNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'must be lower-case letters, digits and dashes, starting with a letter');

/** A member as the config names it. */
export const memberSchema = z.object({ class: part('Member class'), code: part('Member code'), name: z.string().min(1) });

/** AWS WAF on an internet-facing API: a rate-based rule per source IP. */
export const wafSchema = z.object({
  /** @default true */
  enabled: z.boolean().default(true),
  /** Requests per source IP per 5 minutes before WAF blocks it. @default 3000 */
  ratePer5Minutes: z.number().int().min(10).max(2_000_000_000).default(3000),
});
export const WAF_DEFAULT = { enabled: true, ratePer5Minutes: 3000 };

/**
 * The configuration anchor's key as the central stack prints it: an EC public key, DER SPKI in base64. Checked at
 * synth: a mistyped anchor would otherwise surface only when the deployed gateway rejects every global configuration.
 */
export const anchorKeySchema = z.string().refine((value) => {
  try {
    return /^[A-Za-z0-9+/]+={0,2}$/.test(value) && createPublicKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'spki' }).asymmetricKeyType === 'ec';
  } catch {
    return false;
  }
}, 'must be the central public key as the central stack outputs it (an EC key, DER SPKI, base64)');

/** A config error: the message lists every problem as `field: reason`. */
/**
 * A deployment's KMS signing keys, by name — the key rotation procedure in AWS (README, "Key rotation"): add a key
 * to `published`, deploy, wait; make it `current`, deploy, wait; drop the old one from `published`, deploy. `initial`
 * names the key the first deployment created. A key dropped from the list leaves the stack but stays in KMS
 * (retained): evidence signed with it keeps verifying against the configurations that listed it.
 */
export const signingKeysSchema = z
  .object({
    /** Every key listed (gateway: published in the global configuration; central: able to sign a hand-over). */
    published: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits and dashes')).min(1).max(3),
    /** The key that signs now: one of `published`. */
    current: z.string(),
  })
  .superRefine((keys, context) => {
    if (!keys.published.includes(keys.current)) context.addIssue({ code: 'custom', path: ['current'], message: `must be one of published (${keys.published.join(', ')})` });
    if (new Set(keys.published).size !== keys.published.length) context.addIssue({ code: 'custom', path: ['published'], message: 'lists a key twice' });
  });

export type SigningKeysConfig = z.infer<typeof signingKeysSchema>;

/** The name of the key the first deployment created. */
export const INITIAL_SIGNING_KEY = 'initial';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Formats zod issues (and problems found before parsing) as one `ConfigError`. */
export function configError(title: string, issues: readonly { path: readonly PropertyKey[]; message: string }[], earlier: readonly string[] = []): ConfigError {
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
