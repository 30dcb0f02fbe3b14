/**
 * A Merkle tree over record hashes (RFC 6962 shape: leaves and inner nodes are hashed with distinct prefixes, so a
 * leaf can never pass for a node; an odd node at the end of a level is promoted unchanged).
 */
import { createHash } from 'node:crypto';

const sha256 = (...parts: Buffer[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

/** One step of an inclusion proof: the sibling hash and which side it stands on. */
export interface ProofStep {
  readonly side: 'left' | 'right';
  /** base64 */
  readonly hash: string;
}

export const leafHash = (recordHash: Buffer): Buffer => sha256(LEAF, recordHash);
const nodeHash = (left: Buffer, right: Buffer): Buffer => sha256(NODE, left, right);

/** The root of an empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT = sha256().toString('base64');

function levels(recordHashes: readonly Buffer[]): Buffer[][] {
  const all: Buffer[][] = [recordHashes.map(leafHash)];
  while (all[all.length - 1].length > 1) {
    const level = all[all.length - 1];
    const next: Buffer[] = [];
    for (let index = 0; index < level.length; index += 2) {
      next.push(index + 1 < level.length ? nodeHash(level[index], level[index + 1]) : level[index]);
    }
    all.push(next);
  }
  return all;
}

/** The root over record hashes in their sealed order (base64). */
export function merkleRoot(recordHashes: readonly Buffer[]): string {
  if (recordHashes.length === 0) return EMPTY_ROOT;
  const all = levels(recordHashes);
  return all[all.length - 1][0].toString('base64');
}

/** The inclusion proof of the record at `index`. */
export function inclusionProof(recordHashes: readonly Buffer[], index: number): ProofStep[] {
  if (index < 0 || index >= recordHashes.length) throw new RangeError(`No leaf ${index} in a tree of ${recordHashes.length}`);
  const proof: ProofStep[] = [];
  let position = index;
  for (const level of levels(recordHashes).slice(0, -1)) {
    const sibling = position % 2 === 0 ? position + 1 : position - 1;
    if (sibling < level.length) proof.push({ side: position % 2 === 0 ? 'right' : 'left', hash: level[sibling].toString('base64') });
    position = Math.floor(position / 2);
  }
  return proof;
}

/** Recomputes the root from a record hash and its proof. */
export function rootFromProof(recordHash: Buffer, proof: readonly ProofStep[]): string {
  let hash = leafHash(recordHash);
  for (const step of proof) {
    const sibling = Buffer.from(step.hash, 'base64');
    hash = step.side === 'left' ? nodeHash(sibling, hash) : nodeHash(hash, sibling);
  }
  return hash.toString('base64');
}
