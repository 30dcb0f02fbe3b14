/**
 * Seals: the message log's integrity evidence. Time is cut into windows of `intervalSeconds`; every run of the
 * sealer takes the windows since the previous seal, builds a Merkle tree over the hashes of their records (ordered
 * by time, then key), and signs a small header with the gateway's key: the window range, the record count, the
 * root, and the hash of the previous seal. The chain makes a removed seal visible; the root makes an edited,
 * removed or inserted record visible; inclusion proofs let one record be checked against its seal alone.
 *
 * Seals are written even for empty windows: the chain is then continuous in time, so a gap is always a problem.
 */
import * as z from '../kernel/schema';
import { sha256Base64 } from '../kernel/hashing';
import { merkleRoot } from '../kernel/merkle';
import type { MessageLogRecord } from './records';
import type { Signer } from '../kernel/ports';
import { verifySignature } from '../kernel/signatures';

export const SEAL_TYPE = 'sild.seal.v1';

/** The first seal's `previousSealHash`. */
export const GENESIS = 'genesis';

const sealHeaderSchema = z.object({
  type: z.literal(SEAL_TYPE),
  gateway: z.string(),
  keyId: z.string(),
  intervalSeconds: z.int().check(z.positive()),
  /** First and last window covered (window = floor(epoch ms / interval ms)). */
  fromWindow: z.int(),
  toWindow: z.int(),
  recordCount: z.int().check(z.minimum(0)),
  root: z.string(),
  previousSealHash: z.string(),
  sealedAt: z.string(),
});

export type SealHeader = z.infer<typeof sealHeaderSchema>;

/** A seal as stored and exported: the exact signed header bytes and the signature. */
export interface Seal {
  /** base64 of the header JSON. */
  readonly header: string;
  /** base64 DER signature over the header bytes. */
  readonly signature: string;
}

export const windowOf = (epochMs: number, intervalSeconds: number) => Math.floor(epochMs / (intervalSeconds * 1000));
export const windowStartMs = (window: number, intervalSeconds: number) => window * intervalSeconds * 1000;

/**
 * The hash that stands for a record in the tree: SHA-256 over the record's fields in a fixed order (the body
 * through its hash). Any edit of a logged field changes it.
 */
export function recordHash(record: MessageLogRecord): Buffer {
  const canonical = [
    record.client,
    record.xRoadId,
    record.side,
    record.direction,
    record.service,
    record.requestId,
    record.userId ?? null,
    record.method,
    record.target,
    record.status ?? null,
    record.loggedAt,
    record.manifest ?? null,
    record.signature ?? null,
    record.errorType ?? null,
    record.bodySha256,
    record.bodyBytes,
    record.bodyLogged,
    record.headers ? Object.entries(record.headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : null,
    record.certificate ?? null,
    record.bodyLocation ?? null,
  ];
  return Buffer.from(sha256Base64(JSON.stringify(canonical)), 'base64');
}

/** The order records take in a seal's tree. */
export function compareForSeal(a: MessageLogRecord, b: MessageLogRecord): number {
  return a.loggedAt < b.loggedAt ? -1 : a.loggedAt > b.loggedAt ? 1 : sealKey(a) < sealKey(b) ? -1 : sealKey(a) > sealKey(b) ? 1 : 0;
}
export const sealKey = (record: Pick<MessageLogRecord, 'client' | 'xRoadId' | 'side' | 'direction'>) =>
  `${record.client} ${record.xRoadId} ${record.side}#${record.direction}`;

export function parseSeal(seal: Seal): SealHeader {
  return sealHeaderSchema.parse(JSON.parse(Buffer.from(seal.header, 'base64').toString('utf8')));
}

export const sealHash = (seal: Seal) => sha256Base64(Buffer.from(seal.header, 'base64'));

export async function createSeal(
  fields: Omit<SealHeader, 'type' | 'root' | 'recordCount' | 'keyId'>,
  recordHashes: readonly Buffer[],
  signer: Signer,
  keyId: string,
): Promise<Seal> {
  const header: SealHeader = { type: SEAL_TYPE, ...fields, keyId, recordCount: recordHashes.length, root: merkleRoot(recordHashes) };
  const bytes = Buffer.from(JSON.stringify(header));
  return { header: bytes.toString('base64'), signature: (await signer.sign(bytes)).toString('base64') };
}

/** True when the seal's signature verifies with the given public key (DER SPKI, base64). */
export function sealSignatureValid(seal: Seal, publicKey: string): boolean {
  return verifySignature(publicKey, Buffer.from(seal.header, 'base64'), Buffer.from(seal.signature, 'base64'));
}

/** Checks that seals (oldest first) form one unbroken chain: linked hashes and contiguous windows. */
export function chainProblems(seals: readonly Seal[]): string[] {
  const problems: string[] = [];
  seals.forEach((seal, index) => {
    const header = parseSeal(seal);
    if (index === 0) {
      if (header.previousSealHash !== GENESIS)
        problems.push(`the oldest seal (windows ${header.fromWindow}–${header.toWindow}) links to a seal that is missing`);
      return;
    }
    const previous = parseSeal(seals[index - 1]);
    if (header.previousSealHash !== sealHash(seals[index - 1]))
      problems.push(`seal of windows ${header.fromWindow}–${header.toWindow} does not link to the seal before it`);
    if (header.fromWindow !== previous.toWindow + 1)
      problems.push(`windows ${previous.toWindow + 1}–${header.fromWindow - 1} are not covered by any seal`);
  });
  return problems;
}
