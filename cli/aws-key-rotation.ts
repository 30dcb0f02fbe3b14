/**
 * Key rotation for AWS deployments: the keys are stack resources, so each step is a change to the config's
 * `signingKeys` (an agency's gateway) or `central.signingKeys` (the central), reviewed with `cdk diff` and deployed.
 * `sild keys rotate --aws` makes the next step's change in the config file and says what to do and how long to wait;
 * the procedure is the local one's (`trust.ts`), with a deploy in place of each key-ring write.
 *
 * Gateway: (1) publish — a new key beside the current one (the registration joins again with both); (2) switch —
 * the new key signs; (3) retire — the old key leaves the stack (KMS keeps it: RETAIN). Central: (1) hand-over — a
 * new key signs and the old one stays to sign the hand-over record; (2) retire.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { applyEdits, modify, type JSONPath } from 'jsonc-parser';
import { CURRENT_MAX_AGE_SECONDS } from '../lambdas/adapters/s3-configuration-distribution';
import { INITIAL_SIGNING_KEY, type SigningKeysConfig } from '../lib/config/config-parts';
import type { Output } from './commands';
import { CliError } from './log-target';

export interface RotationStep {
  readonly name: 'publish' | 'switch' | 'retire' | 'hand-over';
  /** 1-based, of `of`. */
  readonly number: number;
  readonly of: number;
  readonly keys: SigningKeysConfig;
}

const SINGLE = (name: string): SigningKeysConfig => ({ published: [name], current: name });

/** The gateway's next step from its present `signingKeys`; `nextName` names a key to add. */
export function nextGatewayKeyStep(keys: SigningKeysConfig = SINGLE(INITIAL_SIGNING_KEY), nextName: string): RotationStep {
  const [first, second] = keys.published;
  if (keys.published.length === 1) return { name: 'publish', number: 1, of: 3, keys: { published: [first, nextName], current: first } };
  if (keys.published.length === 2 && keys.current === first)
    return { name: 'switch', number: 2, of: 3, keys: { published: [first, second], current: second } };
  if (keys.published.length === 2 && keys.current === second) return { name: 'retire', number: 3, of: 3, keys: SINGLE(second) };
  throw new CliError(
    `signingKeys ${JSON.stringify(keys)} is not a step of a rotation (one key; two with the first current; two with the second current)`,
  );
}

/** The central's next step from its present `central.signingKeys`. */
export function nextCentralKeyStep(keys: SigningKeysConfig = SINGLE(INITIAL_SIGNING_KEY), nextName: string): RotationStep {
  const [first, second] = keys.published;
  if (keys.published.length === 1) return { name: 'hand-over', number: 1, of: 2, keys: { published: [first, nextName], current: nextName } };
  if (keys.published.length === 2 && keys.current === second) return { name: 'retire', number: 2, of: 2, keys: SINGLE(second) };
  throw new CliError(`central.signingKeys ${JSON.stringify(keys)} is not a step of a rotation (one key; two with the second current)`);
}

/** A key name from the date: `key-YYYYMMDD` (a second one on the same day gets `-2`, …). */
export function keyNameFor(nowMs: number, taken: readonly string[]): string {
  const base = `key-${new Date(nowMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
  let name = base;
  for (let index = 2; taken.includes(name); index += 1) name = `${base}-${index}`;
  return name;
}

type RawConfig = {
  name?: string;
  agencies?: { name?: string; signingKeys?: SigningKeysConfig }[];
  central?: { signingKeys?: SigningKeysConfig; globalConfGenerationSeconds?: number; configurationUrl?: string };
  signingKeys?: SigningKeysConfig;
};

/**
 * Applies the next rotation step to the config file (an ecosystem file, an agency's gateway config, or a central
 * config) and prints the step, the `cdk diff` to review, and the wait before the next step.
 */
export function rotateInConfigFile(
  file: string,
  subject: { readonly agency: string } | { readonly central: true },
  out: Output,
  nowMs = Date.now(),
): number {
  let text: string;
  let raw: RawConfig;
  try {
    text = readFileSync(file, 'utf8');
    raw = JSON.parse(text) as RawConfig;
  } catch (error) {
    throw new CliError(`cannot read the config ${file}: ${(error as Error).message}`);
  }
  // Waits: a publication (the central's schedule, whole minutes), the CDN's max-age, a gateway's refresh (60 s).
  const generationSeconds = Math.max(60, Math.round((raw.central?.globalConfGenerationSeconds ?? 60) / 60) * 60);
  const publishWaitSeconds = generationSeconds + CURRENT_MAX_AGE_SECONDS + 60 + 30;
  let step: RotationStep;
  let at: JSONPath;
  if ('central' in subject) {
    if (!raw.central) throw new CliError(`${file} has no central object`);
    const present = raw.central.signingKeys;
    step = nextCentralKeyStep(present, keyNameFor(nowMs, present?.published ?? [INITIAL_SIGNING_KEY]));
    at = ['central', 'signingKeys'];
  } else {
    const holder = raw.agencies ? raw.agencies.find((agency) => agency.name === subject.agency) : raw.name === subject.agency ? raw : undefined;
    if (!holder) throw new CliError(`${file} has no agency ${subject.agency}`);
    const present = holder.signingKeys;
    step = nextGatewayKeyStep(present, keyNameFor(nowMs, present?.published ?? [INITIAL_SIGNING_KEY]));
    at = raw.agencies ? ['agencies', raw.agencies.indexOf(holder), 'signingKeys'] : ['signingKeys'];
  }
  // Only this field changes; the rest of the file keeps its formatting (the change is what review sees).
  const indentation = /\n( +)"/.exec(text)?.[1].length ?? 2;
  writeFileSync(file, applyEdits(text, modify(text, at, step.keys, { formattingOptions: { insertSpaces: true, tabSize: indentation } })));
  const field = at
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`))
    .join('')
    .slice(1);
  out.line(`Step ${step.number}/${step.of} (${step.name}): ${file} now sets ${field} to ${JSON.stringify(step.keys)}.`);
  out.line('Review and deploy it: npx cdk diff, then npx cdk deploy (the stack of ' + ('central' in subject ? 'the central' : subject.agency) + ').');
  out.line(`After the deploy: ${afterDeploy(step, publishWaitSeconds, raw.central?.configurationUrl)}`);
  return 0;
}

function afterDeploy(step: RotationStep, publishWaitSeconds: number, configurationUrl?: string): string {
  switch (step.name) {
    case 'publish':
      return `the registration joins again with both keys; wait ${publishWaitSeconds} s (a publication, the CDN, every gateway's refresh), then run this command again (switch).`;
    case 'switch':
      return 'the new key signs; wait 60 s (messages signed by the old key still in flight), then run this command again (retire).';
    case 'retire':
      return 'the old key is no longer published; it stays in KMS (retained) and in the configurations kept for evidence. Rotation complete.';
    case 'hand-over':
      return `the central signs with the new key and records the hand-over, signed by both keys, at its next publication; gateways follow it without a redeploy. Wait until the published configuration lists the hand-over (${configurationUrl ? `curl -s ${configurationUrl}` : 'the GlobalConfigurationUrl output'}: its document's centralKeyRotations), then run this command again (retire). Give agencies deploying from now on the new anchor (AnchorPublicKeyCommand output).`;
  }
}
