/**
 * Central key rotation records and the trust they carry: from an old anchor forward to the new key, from a new
 * anchor back to the old one (old evidence), never to a key that did not sign the record, and never for a
 * configuration a retired key signs after it handed over.
 */
import { buildGlobalConfiguration, centralSettingsSchema } from '../../../lambdas/core/central';
import { signCentralKeyRotation, trustedCentralKeys } from '../../../lambdas/core/central-keys';
import { signGlobalConfiguration, verifyGlobalConfiguration } from '../../../lambdas/core/global-configuration';
import { keyIdOf } from '../../../lambdas/core/signatures';
import { thrownBy } from '../../support/assertions';
import { newTestKey } from '../../support/memory-adapters';

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
    for (const signed of [{ document: 'x', header: 'y', signature: 'z' }, { document: '{}', header: Buffer.from('[]').toString('base64'), signature: '' }, {} as never]) {
      expect((thrownBy(() => verifyGlobalConfiguration(signed, { instance: 'DEV', publicKey: a.spkiBase64 })) as Error).name).toBe('GlobalConfigurationError');
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
