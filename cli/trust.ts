/**
 * The central operator's and the agencies' trust commands: the registry (`sild registry list|remove`) and key
 * rotation (`sild keys rotate --agency NAME | --central`).
 *
 * A gateway key rotates in three steps, each a run of the command once the previous step's wait has passed (or one
 * run with `--wait`): (1) create the next key and publish it beside the current one (a join signed by both); (2) once
 * every gateway holds a configuration listing it, sign with it (the key ring's current key); (3) once nothing the
 * previous key signed can still be in flight, publish the next key alone. Receivers always know the key a message
 * is signed with, so no message fails. The central key rotates in one step: the next key enters the central's key
 * ring as its current key, and the central records the hand-over signed by both keys, which every gateway follows.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import { writeFileSync } from 'node:fs';
import type { DynamoDbGatewayKeys } from '../lambdas/adapters/dynamodb-gateway-keys';
import type { GatewayKeys } from '../lambdas/adapters/gateway-items';
import type { DynamoDbRegistry } from '../lambdas/adapters/dynamodb-registry';
import { KmsSigner } from '../lambdas/adapters/kms-signer';
import { signJoinRequest, joinRequestFor, type GatewayRegistration, type JoinRequest } from '../lambdas/core/central/join-request';
import { stillAllowed } from '../lambdas/core/central/configuration-builder';
import type { Anchor } from '../lambdas/core/trust/global-configuration';
import { keyIdOf } from '../lambdas/core/kernel/signatures';
import type { RotationTiming } from '../lib/local/runtime-info';
import type { Output } from './commands';
import { CliError } from './log-target';
import { createSigningKey } from '../lib/local/stack-resources';

/** One gateway, as a rotation sees it: its key ring, the deployment's key, and how it joins. */
export interface RotatingGateway {
  readonly agency: string;
  readonly keys: DynamoDbGatewayKeys;
  readonly deploymentKeyId: string;
  /** What the gateway's registration joins with. */
  readonly registration: GatewayRegistration;
  readonly providerUrl: string;
  /** Sends a signed join with the agency's own credentials. */
  join(request: JoinRequest): Promise<unknown>;
}

export interface TrustTarget {
  readonly instance: string;
  readonly registry: DynamoDbRegistry;
  readonly kms: KMSClient;
  /** The central deployment's signing key (its ring before any rotation). */
  readonly centralKeyId: string;
  readonly timing: RotationTiming;
  /** The anchor file to bring up to date after a central key rotation. @default - none */
  readonly anchorFile?: string;
  gateway(agency: string): RotatingGateway;
}

export async function registryListCommand(target: Pick<TrustTarget, 'instance' | 'registry'>, out: Output): Promise<number> {
  const [entries, allowList] = await Promise.all([target.registry.list(), target.registry.allowList()]);
  out.line(`${entries.length} agencies in the registry of ${target.instance}:`);
  for (const entry of entries.sort((a, b) => a.agency.localeCompare(b.agency))) {
    const status = stillAllowed(entry, allowList) ? 'published' : 'NOT published (not on the join allow-list with this account and member)';
    const keys = entry.gateway.publicKeys.map((key) => keyIdOf(Buffer.from(key, 'base64'))).join(', ');
    out.line(
      `  ${entry.agency.padEnd(24)} ${entry.member.id.padEnd(22)} account ${entry.account}  gateway ${entry.gateway.id}  keys ${keys}  joined ${entry.joinedAt}  — ${status}`,
    );
  }
  return 0;
}

export async function registryRemoveCommand(target: Pick<TrustTarget, 'instance' | 'registry'>, agency: string, out: Output): Promise<number> {
  if (!(await target.registry.remove(agency))) {
    out.line(`No agency ${agency} in the registry.`);
    return 1;
  }
  const allowed = (await target.registry.allowList()).some((entry) => entry.name === agency);
  out.line(
    `Removed ${agency} from the registry: the next global configuration leaves it out, and every gateway refuses its messages once it has refreshed.`,
  );
  if (allowed)
    out.line(
      `${agency} is still on the join allow-list: remove it from the central config and deploy the central, or its next deployment joins again.`,
    );
  return 0;
}

export interface RotateOptions {
  /** Run every step, waiting in between. @default false: one step, then say when the next one is due */
  readonly wait?: boolean;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rotates a gateway's signing key: one step per run, or all of them with `wait`. */
export async function rotateGatewayKeyCommand(target: TrustTarget, agency: string, options: RotateOptions, out: Output): Promise<number> {
  const now = options.now ?? Date.now;
  for (;;) {
    const { done, nextAtMs } = await gatewayRotationStep(target, agency, now(), out);
    if (done) return 0;
    if (!options.wait) {
      out.line(`Run \`sild keys rotate --agency ${agency}\` again after ${new Date(nextAtMs!).toISOString()} for the next step.`);
      return 0;
    }
    await (options.sleep ?? defaultSleep)(Math.max(0, nextAtMs! - now()));
  }
}

async function gatewayRotationStep(target: TrustTarget, agency: string, nowMs: number, out: Output): Promise<{ done: boolean; nextAtMs?: number }> {
  const gateway = target.gateway(agency);
  const ring: GatewayKeys = (await gateway.keys.read()) ?? { current: gateway.deploymentKeyId, published: [gateway.deploymentKeyId], retired: [] };
  const { rotation } = ring;
  const at = new Date(nowMs).toISOString();
  if (!rotation) {
    // Locally the key is created in the agency's account, tagged as its own: it stands for the key its next deploy grants.
    const { arn: next } = await createSigningKey(target.kms, `Sild gateway of ${agency} (rotated ${at})`, agency);
    const published = [ring.current, next];
    await join(target.kms, gateway, published, nowMs);
    await gateway.keys.write({ ...ring, published, rotation: { stage: 'published', previous: ring.current, next, at } });
    const nextAtMs = nowMs + target.timing.publishWaitSeconds * 1000;
    out.line(
      `1/3 ${agency}: next key ${await keyIdOfKms(target.kms, next)} published beside ${await keyIdOfKms(target.kms, ring.current)}; it signs from ${new Date(nextAtMs).toISOString()} (when every gateway has it).`,
    );
    return { done: false, nextAtMs };
  }
  const dueAt =
    Date.parse(rotation.at) + (rotation.stage === 'published' ? target.timing.publishWaitSeconds : target.timing.retireWaitSeconds) * 1000;
  if (nowMs < dueAt) {
    out.line(
      `${agency}: the rotation is at step ${rotation.stage === 'published' ? 1 : 2}/3; the next step is due at ${new Date(dueAt).toISOString()}.`,
    );
    return { done: false, nextAtMs: dueAt };
  }
  if (rotation.stage === 'published') {
    await gateway.keys.write({ ...ring, current: rotation.next, rotation: { ...rotation, stage: 'switched', at } });
    const nextAtMs = nowMs + target.timing.retireWaitSeconds * 1000;
    out.line(
      `2/3 ${agency}: signing with ${await keyIdOfKms(target.kms, rotation.next)}; the previous key stays published until ${new Date(nextAtMs).toISOString()}.`,
    );
    return { done: false, nextAtMs };
  }
  await join(target.kms, gateway, [rotation.next], nowMs);
  await gateway.keys.write({ current: rotation.next, published: [rotation.next], retired: [...ring.retired, { key: rotation.previous, at }] });
  out.line(`3/3 ${agency}: ${await keyIdOfKms(target.kms, rotation.previous)} retired (kept in KMS; evidence keeps naming it). Rotation complete.`);
  return { done: true };
}

/**
 * Rotates the central key: a new key becomes the central key ring's current key, its predecessor stays published to
 * sign the hand-over. With `wait`, waits until the central has recorded the hand-over, then brings the anchor file
 * up to date and unpublishes the predecessor.
 */
export async function rotateCentralKeyCommand(target: TrustTarget, options: RotateOptions, out: Output): Promise<number> {
  const now = options.now ?? Date.now;
  const ring = (await target.registry.centralKeys()) ?? { current: target.centralKeyId, published: [target.centralKeyId] };
  const rotations = await target.registry.centralKeyRotations();
  const { arn: next } = await createSigningKey(
    target.kms,
    `Sild central server of ${target.instance} (rotated ${new Date(now()).toISOString()})`,
    'central',
  );
  const nextId = await keyIdOfKms(target.kms, next);
  await target.registry.putCentralKeys({ current: next, published: [...ring.published.filter((key) => key !== next), next] });
  out.line(
    `Central key ${nextId} is the central's current key; the central records the hand-over from ${await keyIdOfKms(target.kms, ring.current)} within ${target.timing.handOverWaitSeconds} s.`,
  );
  if (!options.wait) return 0;
  const deadline = now() + 3 * target.timing.handOverWaitSeconds * 1000;
  for (;;) {
    const chain = await target.registry.centralKeyRotations();
    if (chain.length > rotations.length && chain.at(-1)!.to.keyId === nextId) {
      await target.registry.putCentralKeys({ current: next, published: [next] });
      const anchor: Anchor = { instance: target.instance, publicKey: chain.at(-1)!.to.publicKey, rotations: chain };
      if (target.anchorFile) {
        writeFileSync(target.anchorFile, `${JSON.stringify(anchor, null, 2)}\n`);
        out.line(`Hand-over recorded; ${target.anchorFile} now names ${nextId} and carries the rotation chain.`);
      } else out.line(`Hand-over recorded. The new anchor: ${JSON.stringify(anchor)}`);
      return 0;
    }
    if (now() > deadline)
      throw new CliError(
        'The central has not recorded the hand-over: is it running? (the key ring is written; the central records it at its next publication)',
      );
    await (options.sleep ?? defaultSleep)(1000);
  }
}

/** Joins again publishing exactly these keys, each signing the join (proof of possession). */
async function join(kms: KMSClient, gateway: RotatingGateway, keyIds: readonly string[], nowMs: number): Promise<void> {
  const signers = keyIds.map((keyId) => new KmsSigner(kms, keyId));
  const publicKeys = await Promise.all(signers.map((signer) => signer.publicKey()));
  await gateway.join(await signJoinRequest(joinRequestFor(gateway.registration, gateway.providerUrl, publicKeys), signers, nowMs));
}

async function keyIdOfKms(kms: KMSClient, keyId: string): Promise<string> {
  return keyIdOf(await new KmsSigner(kms, keyId).publicKey());
}
