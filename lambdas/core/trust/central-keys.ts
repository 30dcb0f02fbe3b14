/**
 * Which central keys a verifier trusts: a chain of hand-overs, one key after another, that the verifier holds and
 * that configurations may only extend forward.
 *
 * A central key rotation is one record, signed by both keys: the outgoing key vouches for its successor (so a gateway
 * anchored to the old key follows the rotation without a redeploy), and the successor vouches for its predecessor (so
 * an evidence bundle whose configuration the old key signed still verifies with an anchor file that names the new
 * key). Records travel in every global configuration from then on, and in anchor files.
 *
 * A record's date is whatever its signers wrote, so dates cannot tell a genuine hand-over from a backdated one made
 * with a retired key that leaked. What can: a key hands over once. The verifier's held chain (a gateway's kept
 * configuration, an anchor file) says to whom each retired key handed over; any other record from that key is a fork,
 * and the document carrying it is refused whatever its dates. Records from a document extend the held chain only
 * forward from its head; following records backward is left to the verifier's own source (the anchor file), and a
 * predecessor so learned is trusted only for configurations generated before its hand-over in that chain.
 */
import * as z from '../kernel/schema';
import { keyIdOf, verifySignature } from '../kernel/signatures';
import type { Signer } from '../kernel/ports';

export const CENTRAL_KEY_ROTATION_TYPE = 'sild.central-key-rotation.v1';

const centralKeySchema = z.object({ keyId: z.string(), publicKey: z.string() });

export const centralKeyRotationSchema = z.object({
  type: z.literal(CENTRAL_KEY_ROTATION_TYPE),
  instance: z.string(),
  from: centralKeySchema,
  to: centralKeySchema,
  /** When the successor took over: the outgoing key signs nothing generated from then on. */
  at: z.iso.datetime(),
  /** base64 DER signatures over `rotationBytes` by the outgoing and by the incoming key. */
  fromSignature: z.string(),
  toSignature: z.string(),
});

export type CentralKeyRotation = z.infer<typeof centralKeyRotationSchema>;
type UnsignedRotation = Omit<CentralKeyRotation, 'fromSignature' | 'toSignature'>;

/** The bytes both keys sign: the record in a fixed field order, with a type no other Sild signature carries. */
export function rotationBytes(rotation: UnsignedRotation): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: CENTRAL_KEY_ROTATION_TYPE,
      instance: rotation.instance,
      from: [rotation.from.keyId, rotation.from.publicKey],
      to: [rotation.to.keyId, rotation.to.publicKey],
      at: rotation.at,
    }),
  );
}

/** Signs a rotation from `from` to `to`, effective at `atMs`, with both keys. */
export async function signCentralKeyRotation(instance: string, from: Signer, to: Signer, atMs: number): Promise<CentralKeyRotation> {
  const key = async (signer: Signer) => {
    const publicKey = await signer.publicKey();
    return { keyId: keyIdOf(publicKey), publicKey: publicKey.toString('base64') };
  };
  const unsigned: UnsignedRotation = {
    type: CENTRAL_KEY_ROTATION_TYPE,
    instance,
    from: await key(from),
    to: await key(to),
    at: new Date(atMs).toISOString(),
  };
  const bytes = rotationBytes(unsigned);
  return { ...unsigned, fromSignature: (await from.sign(bytes)).toString('base64'), toSignature: (await to.sign(bytes)).toString('base64') };
}

/** A trusted central key: its id, DER SPKI (base64), and the time from which it no longer signs configurations, if it handed over. */
export interface TrustedCentralKey {
  readonly keyId: string;
  readonly publicKey: string;
  readonly retiredAtMs?: number;
}

/** Where a verifier's trust starts: an instance, a central key (DER SPKI, base64) and the rotations it holds as its own. */
export interface CentralKeyAnchor {
  readonly instance: string;
  readonly publicKey: string;
  /** Rotations from the verifier's own source (an anchor file): followed both ways. @default none */
  readonly rotations?: readonly unknown[];
}

/** Rotation records that disagree with the chain a verifier holds (a fork, or a key handed back to). */
export class CentralKeyChainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CentralKeyChainError';
  }
}

/**
 * The central keys of one instance in hand-over order, oldest first: each key but the last handed over to the next
 * by `handOvers[i]`. The last key (the head) is the one that signs now.
 */
export class CentralKeyChain {
  readonly keys: readonly TrustedCentralKey[];

  private constructor(
    readonly instance: string,
    root: { readonly keyId: string; readonly publicKey: string },
    readonly handOvers: readonly CentralKeyRotation[],
  ) {
    const keyOf = (key: { readonly keyId: string; readonly publicKey: string }) => ({ keyId: key.keyId, publicKey: key.publicKey });
    const keys = [keyOf(root), ...handOvers.map((handOver) => keyOf(handOver.to))];
    this.keys = keys.map((key, index) => (index < handOvers.length ? { ...key, retiredAtMs: Date.parse(handOvers[index].at) } : key));
  }

  /**
   * The chain a verifier holds from its anchor: the anchor key, the predecessors the anchor's own rotations lead back
   * to, and the successors they lead forward to.
   */
  static ofAnchor(anchor: CentralKeyAnchor): CentralKeyChain {
    const records = authenticRotations(anchor.instance, anchor.rotations ?? []);
    const anchorKey = { keyId: keyIdOf(Buffer.from(anchor.publicKey, 'base64')), publicKey: anchor.publicKey };
    const backward: CentralKeyRotation[] = [];
    for (let first = anchorKey; ;) {
      const predecessors = distinct(
        records.filter((record) => record.to.keyId === first.keyId),
        (record) => record.from.keyId,
      );
      if (predecessors.length === 0) break;
      if (predecessors.length > 1) {
        throw new CentralKeyChainError(
          `Central keys ${predecessors.map((record) => record.from.keyId).join(' and ')} both hand over to ${first.keyId}`,
        );
      }
      const [record] = predecessors;
      if (record.from.keyId === anchorKey.keyId || backward.some((known) => known.from.keyId === record.from.keyId)) throw handedBack(record);
      backward.unshift(record);
      first = record.from;
    }
    return new CentralKeyChain(anchor.instance, backward[0]?.from ?? anchorKey, backward).followedBy(records);
  }

  /** The key that signs now. */
  get head(): TrustedCentralKey {
    return this.keys.at(-1)!;
  }

  key(keyId: string): TrustedCentralKey | undefined {
    return this.keys.find((key) => key.keyId === keyId);
  }

  /**
   * The chain that `rotations` from a source the verifier does not control (a configuration, an evidence bundle)
   * prove from this chain's first key, forward only. Refuses them if they fork: a key with two successors.
   */
  provenBy(rotations: readonly unknown[]): CentralKeyChain {
    return new CentralKeyChain(this.instance, this.keys[0], []).followedBy(authenticRotations(this.instance, rotations));
  }

  /**
   * This chain extended by `other` (of the same first key): they must agree key by key — a retired key handed over to
   * one successor only — and `other` may only add keys after this chain's head. Where both hold a hand-over, this
   * chain's record (and its date) stands.
   */
  extendedBy(other: CentralKeyChain): CentralKeyChain {
    const shared = Math.min(this.keys.length, other.keys.length);
    for (let index = 0; index < shared; index += 1) {
      if (this.keys[index].keyId !== other.keys[index].keyId) {
        const [retired, successor, forked] = [this.keys[index - 1].keyId, this.keys[index].keyId, other.keys[index].keyId];
        throw new CentralKeyChainError(
          `Central key ${retired} handed over to ${successor}; a record handing it over to ${forked} instead is a fork (refused)`,
        );
      }
    }
    if (other.handOvers.length <= this.handOvers.length) return this;
    return new CentralKeyChain(this.instance, this.keys[0], [...this.handOvers, ...other.handOvers.slice(this.handOvers.length)]);
  }

  /** Follows `records` forward from the head; a key of the chain with a successor other than the one it has is a fork. */
  private followedBy(records: readonly CentralKeyRotation[]): CentralKeyChain {
    const handOvers = [...this.handOvers];
    const keyIds = this.keys.map((key) => key.keyId);
    for (let index = 0; index < keyIds.length; index += 1) {
      const successors = distinct(
        records.filter((record) => record.from.keyId === keyIds[index]),
        (record) => record.to.keyId,
      );
      const handedTo = handOvers[index]?.to.keyId ?? successors[0]?.to.keyId;
      const fork = successors.find((record) => record.to.keyId !== handedTo);
      if (fork) {
        throw new CentralKeyChainError(
          `Central key ${keyIds[index]} hands over to ${handedTo} and to ${fork.to.keyId}: a key hands over once, so one of the records is a fork (refused)`,
        );
      }
      if (index === handOvers.length && successors.length === 1) {
        if (keyIds.includes(successors[0].to.keyId)) throw handedBack(successors[0]);
        handOvers.push(successors[0]);
        keyIds.push(successors[0].to.keyId);
      }
    }
    return handOvers.length === this.handOvers.length ? this : new CentralKeyChain(this.instance, this.keys[0], handOvers);
  }
}

/**
 * The central keys trusted from `anchorKeys` (DER SPKI, base64) through `rotations` the verifier holds as its own
 * (an anchor file's), by key id: each anchor key's chain, both ways.
 */
export function trustedCentralKeys(instance: string, anchorKeys: readonly string[], rotations: readonly unknown[]): Map<string, TrustedCentralKey> {
  const chains = anchorKeys.map((publicKey) => CentralKeyChain.ofAnchor({ instance, publicKey, rotations }));
  return new Map(chains.flatMap((chain) => chain.keys.map((key) => [key.keyId, key] as const)));
}

/** The records that are what they claim: of this instance, each key id its key's, signed by both keys. */
function authenticRotations(instance: string, rotations: readonly unknown[]): CentralKeyRotation[] {
  return rotations.flatMap((rotation) => {
    const parsed = centralKeyRotationSchema.safeParse(rotation);
    if (!parsed.success || parsed.data.instance !== instance) return [];
    const record = parsed.data;
    const named = (key: CentralKeyRotation['from']) => keyIdOf(Buffer.from(key.publicKey, 'base64')) === key.keyId;
    const bytes = rotationBytes(record);
    const signedBy = (key: CentralKeyRotation['from'], signature: string) => verifySignature(key.publicKey, bytes, Buffer.from(signature, 'base64'));
    return named(record.from) && named(record.to) && signedBy(record.from, record.fromSignature) && signedBy(record.to, record.toSignature)
      ? [record]
      : [];
  });
}

/** One record per distinct value of `by` (the same hand-over may travel twice). */
function distinct(records: readonly CentralKeyRotation[], by: (record: CentralKeyRotation) => string): CentralKeyRotation[] {
  return [...new Map(records.map((record) => [by(record), record])).values()];
}

const handedBack = (record: CentralKeyRotation) =>
  new CentralKeyChainError(
    `Central key ${record.from.keyId} hands over to ${record.to.keyId}, which the chain already passed: a retired key never signs again`,
  );
