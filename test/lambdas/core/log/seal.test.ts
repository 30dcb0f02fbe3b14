/** Merkle trees, record hashes and the seal chain that make the message log tamper-evident. */
import { createHash } from 'node:crypto';
import { EMPTY_ROOT, inclusionProof, merkleRoot, rootFromProof } from '../../../../lambdas/core/kernel/merkle';
import type { MessageLogRecord } from '../../../../lambdas/core/log/records';
import {
  chainProblems,
  createSeal,
  GENESIS,
  parseSeal,
  recordHash,
  sealHash,
  sealSignatureValid,
  type Seal,
} from '../../../../lambdas/core/log/seal';
import { newTestKey } from '../../../support/memory-adapters';

const hashes = (count: number) => Array.from({ length: count }, (_, index) => createHash('sha256').update(`record ${index}`).digest());

describe('Merkle tree', () => {
  test.each([1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 100])('every leaf of %i proves its inclusion against the root', (count) => {
    const leaves = hashes(count);
    const root = merkleRoot(leaves);
    leaves.forEach((leaf, index) => expect(rootFromProof(leaf, inclusionProof(leaves, index))).toBe(root));
  });

  test('a changed, removed, added or reordered leaf changes the root', () => {
    const leaves = hashes(9);
    const root = merkleRoot(leaves);
    const changed = [...leaves];
    changed[4] = createHash('sha256').update('other').digest();
    expect(merkleRoot(changed)).not.toBe(root);
    expect(merkleRoot(leaves.slice(0, 8))).not.toBe(root);
    expect(merkleRoot([...leaves, leaves[0]])).not.toBe(root);
    expect(merkleRoot([leaves[1], leaves[0], ...leaves.slice(2)])).not.toBe(root);
    expect(merkleRoot([])).toBe(EMPTY_ROOT);
  });

  test('a proof for one leaf does not prove another', () => {
    const leaves = hashes(8);
    expect(rootFromProof(leaves[3], inclusionProof(leaves, 2))).not.toBe(merkleRoot(leaves));
  });
});

describe('record hash', () => {
  const record: MessageLogRecord = {
    client: 'DEV/GOV/70000002/tax-records',
    xRoadId: 'x1',
    side: 'consumer',
    direction: 'request',
    service: 'DEV/GOV/70000001/population/persons',
    requestId: 'r1',
    method: 'GET',
    target: '/r1/DEV/GOV/70000001/population/persons/1',
    loggedAt: '2026-11-27T10:00:00.000Z',
    manifest: 'bWFuaWZlc3Q=',
    signature: 'c2ln',
    bodySha256: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
    bodyBytes: 0,
    bodyLogged: 'inline',
    headers: { 'x-road-client': ['DEV/GOV/70000002/tax-records'], 'x-road-id': ['x1'] },
  };

  test('covers every logged field, and does not depend on header order', () => {
    const base = recordHash(record).toString('base64');
    for (const change of [
      { status: 200 },
      { loggedAt: '2026-11-27T10:00:00.001Z' },
      { signature: 'c2lh' },
      { bodySha256: 'x' },
      { certificate: 'Y2VydA==' },
      { headers: { ...record.headers, 'x-road-id': ['x2'] } },
    ]) {
      expect(recordHash({ ...record, ...change } as MessageLogRecord).toString('base64')).not.toBe(base);
    }
    const reordered = { ...record, headers: { 'x-road-id': ['x1'], 'x-road-client': ['DEV/GOV/70000002/tax-records'] } };
    expect(recordHash(reordered).toString('base64')).toBe(base);
  });
});

describe('seal chain', () => {
  const key = newTestKey();
  const seal = (fromWindow: number, toWindow: number, previous: Seal | undefined) =>
    createSeal(
      {
        gateway: 'gw',
        intervalSeconds: 60,
        fromWindow,
        toWindow,
        previousSealHash: previous ? sealHash(previous) : GENESIS,
        sealedAt: '2026-11-27T10:00:00.000Z',
      },
      hashes(3),
      key,
      'k1',
    );

  test('a seal is signed over its header: root, count, windows and link', async () => {
    const first = await seal(1, 2, undefined);
    expect(parseSeal(first)).toMatchObject({ fromWindow: 1, toWindow: 2, recordCount: 3, root: merkleRoot(hashes(3)), previousSealHash: GENESIS });
    expect(sealSignatureValid(first, key.spkiBase64)).toBe(true);
    const header = Buffer.from(first.header, 'base64');
    header[header.length - 5] ^= 1;
    expect(sealSignatureValid({ ...first, header: header.toString('base64') }, key.spkiBase64)).toBe(false);
  });

  test('an unbroken chain has no problems; a removed seal or a gap is named', async () => {
    const a = await seal(1, 2, undefined);
    const b = await seal(3, 3, a);
    const c = await seal(4, 6, b);
    expect(chainProblems([a, b, c])).toEqual([]);
    expect(chainProblems([a, c])).toEqual(['seal of windows 4–6 does not link to the seal before it', 'windows 3–3 are not covered by any seal']);
    expect(chainProblems([b, c])).toEqual(['the oldest seal (windows 3–3) links to a seal that is missing']);
  });
});
