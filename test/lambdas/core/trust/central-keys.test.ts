/**
 * Central key rotation records and the trust they carry: from an old anchor forward to the new key, from a new
 * anchor back to the old one (old evidence), never to a key that did not sign the record, and never for a
 * configuration a retired key signs after it handed over.
 */
import { buildGlobalConfiguration } from '../../../../lambdas/core/central/configuration-builder';
import { centralSettingsSchema } from '../../../../lambdas/core/central/settings';
import {
  CentralKeyChain,
  CentralKeyChainError,
  signCentralKeyRotation,
  trustedCentralKeys,
  type CentralKeyRotation,
} from '../../../../lambdas/core/trust/central-keys';
import {
  GlobalConfigurationError,
  requireCurrentCentralKey,
  signGlobalConfiguration,
  verifyGlobalConfiguration,
} from '../../../../lambdas/core/trust/global-configuration';
import { keyIdOf } from '../../../../lambdas/core/kernel/signatures';
import { thrownBy } from '../../../support/assertions';
import { newTestKey } from '../../../support/memory-adapters';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const HOUR = 3_600_000;
const settings = centralSettingsSchema.parse({ instance: 'DEV', memberClasses: ['GOV'] });
const [a, b, c, stranger] = [newTestKey(), newTestKey(), newTestKey(), newTestKey()];
const id = (key: { spki: Buffer }) => keyIdOf(key.spki);

describe('trustedCentralKeys', () => {
  test('follows rotations forward from an old anchor and backward from a new one, through a chain', async () => {
    const ab = await signCentralKeyRotation('DEV', a, b, T0);
    const bc = await signCentralKeyRotation('DEV', b, c, T0 + HOUR);
    expect([...trustedCentralKeys('DEV', [a.spkiBase64], [bc, ab]).keys()].sort()).toEqual([id(a), id(b), id(c)].sort());
    expect([...trustedCentralKeys('DEV', [c.spkiBase64], [ab, bc]).keys()].sort()).toEqual([id(a), id(b), id(c)].sort());
    const trust = trustedCentralKeys('DEV', [c.spkiBase64], [ab, bc]);
    expect(trust.get(id(a))?.retiredAtMs).toBe(T0);
    expect(trust.get(id(b))?.retiredAtMs).toBe(T0 + HOUR);
    expect(trust.get(id(c))?.retiredAtMs).toBeUndefined();
  });

  test('a record not signed by the key it starts from (or for another instance, or with a wrong key id) adds nothing', async () => {
    const forged = { ...(await signCentralKeyRotation('DEV', stranger, b, T0)), from: (await signCentralKeyRotation('DEV', a, b, T0)).from };
    expect([...trustedCentralKeys('DEV', [a.spkiBase64], [forged]).keys()]).toEqual([id(a)]);
    expect([...trustedCentralKeys('DEV', [a.spkiBase64], [await signCentralKeyRotation('FI', a, b, T0)]).keys()]).toEqual([id(a)]);
    const misnamed = await signCentralKeyRotation('DEV', a, b, T0);
    expect([...trustedCentralKeys('DEV', [a.spkiBase64], [{ ...misnamed, to: { ...misnamed.to, keyId: id(stranger) } }]).keys()]).toEqual([id(a)]);
    expect([...trustedCentralKeys('DEV', [a.spkiBase64], ['not a record', null]).keys()]).toEqual([id(a)]);
  });
});

describe('verifyGlobalConfiguration across a central key rotation', () => {
  test('garbage is a GlobalConfigurationError, never a TypeError', () => {
    for (const signed of [
      { document: 'x', header: 'y', signature: 'z' },
      { document: '{}', header: Buffer.from('[]').toString('base64'), signature: '' },
      {} as never,
    ]) {
      expect((thrownBy(() => verifyGlobalConfiguration(signed, { instance: 'DEV', publicKey: a.spkiBase64 })) as Error).name).toBe(
        'GlobalConfigurationError',
      );
    }
  });

  const signedBy = async (signer: typeof a, generatedAtMs: number, rotations: Awaited<ReturnType<typeof signCentralKeyRotation>>[] = []) =>
    signGlobalConfiguration(buildGlobalConfiguration([], settings, generatedAtMs, { version: 2, centralKeyRotations: rotations }), signer);

  test('a gateway anchored to the old key accepts the new key’s configuration, which carries the rotation', async () => {
    const ab = await signCentralKeyRotation('DEV', a, b, T0);
    expect(verifyGlobalConfiguration(await signedBy(b, T0 + 1000, [ab]), { instance: 'DEV', publicKey: a.spkiBase64 }).version).toBe(2);
  });

  test('an old configuration verifies under the new anchor when the anchor file carries the rotation', async () => {
    const ab = await signCentralKeyRotation('DEV', a, b, T0);
    const old = await signedBy(a, T0 - HOUR);
    expect(() => verifyGlobalConfiguration(old, { instance: 'DEV', publicKey: b.spkiBase64 })).toThrow(/does not verify/);
    expect(verifyGlobalConfiguration(old, { instance: 'DEV', publicKey: b.spkiBase64, rotations: [ab] }).generatedAtMs).toBe(T0 - HOUR);
  });

  test('a retired key cannot sign a configuration generated after it handed over', async () => {
    const ab = await signCentralKeyRotation('DEV', a, b, T0);
    const late = await signedBy(a, T0 + 1000, [ab]);
    expect(() => verifyGlobalConfiguration(late, { instance: 'DEV', publicKey: a.spkiBase64 })).toThrow(/retired since 2026-01-01T00:00:00.000Z/);
  });
});

/**
 * The retired-key finding: a key that handed over vouches for exactly one successor — the one in the chain the
 * verifier holds — and a record from it naming any other is a fork, whatever its date; a document's records extend the
 * held chain only forward, and only the head signs what a gateway acts on.
 */
describe('CentralKeyChain: a key hands over once', () => {
  const [retired, successor, forged] = [newTestKey(), newTestKey(), newTestKey()];
  let genuine: CentralKeyRotation;
  let backdatedFork: CentralKeyRotation;
  beforeAll(async () => {
    genuine = await signCentralKeyRotation('DEV', retired, successor, T0);
    backdatedFork = await signCentralKeyRotation('DEV', retired, forged, T0 - HOUR); // the retired key, leaked, writes an earlier date
  });
  const held = () => CentralKeyChain.ofAnchor({ instance: 'DEV', publicKey: retired.spkiBase64, rotations: [genuine] });
  const keyIds = (chain: CentralKeyChain) => chain.keys.map((key) => key.keyId);

  test('a backdated record from a key that already handed over is a fork: refused, whatever its date', () => {
    expect(() => held().provenBy([genuine, backdatedFork])).toThrow(CentralKeyChainError);
    expect(() => held().extendedBy(held().provenBy([backdatedFork]))).toThrow(/handed over to .*; a record handing it over to .* instead is a fork/);
    // Even a verifier that holds only the first key refuses a document carrying both hand-overs of one key.
    expect(() => CentralKeyChain.ofAnchor({ instance: 'DEV', publicKey: retired.spkiBase64 }).provenBy([genuine, backdatedFork])).toThrow(
      /hands over to .* and to/,
    );
    // An anchor file carrying a fork is refused too.
    expect(() => CentralKeyChain.ofAnchor({ instance: 'DEV', publicKey: successor.spkiBase64, rotations: [genuine, backdatedFork] })).toThrow(
      CentralKeyChainError,
    );
  });

  test('records from a document extend the held chain only forward from its head', async () => {
    const next = newTestKey();
    const onward = await signCentralKeyRotation('DEV', successor, next, T0 + HOUR);
    expect(keyIds(held().extendedBy(held().provenBy([genuine, onward])))).toEqual([id(retired), id(successor), id(next)]);
    // Anchored at the successor, a document's record leading back to its predecessor adds no trust in it …
    const anchoredLater = CentralKeyChain.ofAnchor({ instance: 'DEV', publicKey: successor.spkiBase64 });
    expect(keyIds(anchoredLater.extendedBy(anchoredLater.provenBy([genuine, onward])))).toEqual([id(successor), id(next)]);
    // … while the anchor's own rotations are followed back, the predecessor trusted only until its hand-over.
    const fromFile = CentralKeyChain.ofAnchor({ instance: 'DEV', publicKey: successor.spkiBase64, rotations: [genuine] });
    expect(fromFile.keys).toEqual([
      { keyId: id(retired), publicKey: retired.spkiBase64, retiredAtMs: T0 },
      { keyId: id(successor), publicKey: successor.spkiBase64 },
    ]);
  });

  test('a key never comes back: a hand-over to a key the chain already passed is refused', async () => {
    const back = await signCentralKeyRotation('DEV', successor, retired, T0 + HOUR);
    expect(() => held().provenBy([genuine, back])).toThrow(/already passed/);
  });
});

describe('verifyGlobalConfiguration with a retired central key', () => {
  const [retired, successor, forged] = [newTestKey(), newTestKey(), newTestKey()];
  const configuration = (signer: typeof a, generatedAtMs: number, rotations: CentralKeyRotation[], version = 5) =>
    signGlobalConfiguration(buildGlobalConfiguration([], settings, generatedAtMs, { version, centralKeyRotations: rotations }), signer);
  let genuine: CentralKeyRotation;
  let held: CentralKeyChain;
  beforeAll(async () => {
    genuine = await signCentralKeyRotation('DEV', retired, successor, T0);
    held = CentralKeyChain.ofAnchor({ instance: 'DEV', publicKey: retired.spkiBase64, rotations: [genuine] });
  });

  test('a configuration signed via a backdated fork of the held chain is refused, whatever the dates', async () => {
    const fork = await signCentralKeyRotation('DEV', retired, forged, T0 - HOUR);
    for (const rotations of [[fork], [genuine, fork], [fork, genuine]]) {
      const signed = await configuration(forged, T0 + HOUR, rotations);
      expect(() => verifyGlobalConfiguration(signed, held)).toThrow(GlobalConfigurationError);
      expect(() => verifyGlobalConfiguration(signed, held)).toThrow(/fork/);
    }
  });

  test('a document must carry the hand-overs that lead to its signer', async () => {
    const withoutHandOver = await configuration(successor, T0 + HOUR, []);
    expect(() => verifyGlobalConfiguration(withoutHandOver, held)).toThrow(/does not verify/);
    expect(verifyGlobalConfiguration(await configuration(successor, T0 + HOUR, [genuine]), held).signerKeyId).toBe(id(successor));
  });

  test('a retired key’s configuration of before its hand-over verifies as history, never as current', async () => {
    const backdated = verifyGlobalConfiguration(await configuration(retired, T0 - 1000, [], 99), held);
    expect(backdated.centralKeys?.head.keyId).toBe(id(successor));
    expect(() => requireCurrentCentralKey(backdated)).toThrow(/handed over at 2026-01-01T00:00:00.000Z: only the current central key/);
    expect(requireCurrentCentralKey(verifyGlobalConfiguration(await configuration(successor, T0 + 1000, [genuine]), held)).version).toBe(5);
  });
});
