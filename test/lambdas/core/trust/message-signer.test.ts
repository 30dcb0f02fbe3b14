/**
 * Session keys: a gateway's KMS key certifies a short-lived in-memory key; receivers accept a session signature
 * only with a certificate from the same gateway's published key, valid when the manifest was signed.
 */
import { singleKeyRing } from '../../../../lambdas/core/kernel/ports';
import { verify } from 'node:crypto';
import { KmsMessageSigner, resolveSignerKey, SessionKeyMessageSigner, verifyCertificate } from '../../../../lambdas/core/trust/message-signer';
import { keyIdOf, publicKeyObject } from '../../../../lambdas/core/kernel/signatures';
import { ManualClock, newTestKey } from '../../../support/memory-adapters';

const GATEWAY = 'DEV/GOV/70000002/tax-board';
const OTHER = 'DEV/COM/10000003/business-registry';
const kmsKey = newTestKey();
const otherKey = newTestKey();
/** The global configuration's key lookup: each gateway's KMS key. */
const configuration = {
  publicKey: (gateway: string, keyId: string) =>
    gateway === GATEWAY && keyId === keyIdOf(kmsKey.spki)
      ? kmsKey.spkiBase64
      : gateway === OTHER && keyId === keyIdOf(otherKey.spki)
        ? otherKey.spkiBase64
        : undefined,
};
const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const HOUR = 3600_000;

function countingKms() {
  let signs = 0;
  return { signer: { sign: async (bytes: Buffer) => (signs++, kmsKey.sign(bytes)), publicKey: kmsKey.publicKey }, signs: () => signs };
}

describe('SessionKeyMessageSigner', () => {
  test('signs with a session key whose certificate resolves to its public key; KMS signs only the certificate', async () => {
    const kms = countingKms();
    const clock = new ManualClock(T0);
    const signer = new SessionKeyMessageSigner(singleKeyRing(kms.signer), GATEWAY, clock, HOUR);
    const session = await signer.session();
    const message = Buffer.from('manifest');
    const signature = await session.sign(message);
    const key = resolveSignerKey(configuration, { gateway: GATEWAY, keyId: session.keyId }, T0, session.certificate);
    expect(key).toBeDefined();
    expect(verify('sha256', message, publicKeyObject(key!), signature)).toBe(true);
    for (let index = 0; index < 10; index += 1) await (await signer.session()).sign(message);
    expect(kms.signs()).toBe(1);
  });

  test('renews the session key after 80 % of its validity', async () => {
    const kms = countingKms();
    const clock = new ManualClock(T0);
    const signer = new SessionKeyMessageSigner(singleKeyRing(kms.signer), GATEWAY, clock, HOUR);
    const first = await signer.session();
    clock.advance(0.79 * HOUR);
    expect((await signer.session()).keyId).toBe(first.keyId);
    clock.advance(0.02 * HOUR);
    expect((await signer.session()).keyId).not.toBe(first.keyId);
    expect(kms.signs()).toBe(2);
  });
});

describe('resolveSignerKey', () => {
  async function session(clock = new ManualClock(T0)) {
    return new SessionKeyMessageSigner(singleKeyRing(kmsKey), GATEWAY, clock, HOUR).session();
  }

  test('a published KMS key resolves without a certificate (kms mode)', async () => {
    const kms = await new KmsMessageSigner(singleKeyRing(kmsKey), GATEWAY).session();
    expect(resolveSignerKey(configuration, { gateway: GATEWAY, keyId: kms.keyId }, T0)).toBe(kmsKey.spkiBase64);
  });

  test('a session key without its certificate does not resolve', async () => {
    const { keyId } = await session();
    expect(resolveSignerKey(configuration, { gateway: GATEWAY, keyId }, T0)).toBeUndefined();
  });

  test('a certificate does not vouch for another gateway, another key id, or outside its validity', async () => {
    const { keyId, certificate } = await session();
    expect(resolveSignerKey(configuration, { gateway: OTHER, keyId }, T0, certificate)).toBeUndefined();
    expect(resolveSignerKey(configuration, { gateway: GATEWAY, keyId: 'f'.repeat(32) }, T0, certificate)).toBeUndefined();
    expect(resolveSignerKey(configuration, { gateway: GATEWAY, keyId }, T0 - 1, certificate)).toBeUndefined();
    expect(resolveSignerKey(configuration, { gateway: GATEWAY, keyId }, T0 + HOUR + 1, certificate)).toBeUndefined();
    expect(resolveSignerKey(configuration, { gateway: GATEWAY, keyId }, T0 + HOUR, certificate)).toBeDefined();
  });

  test('a certificate signed by another gateway’s key, or altered, is refused', async () => {
    const forged = await new SessionKeyMessageSigner(singleKeyRing(otherKey), GATEWAY, new ManualClock(T0), HOUR).session(); // claims GATEWAY, signed by OTHER's key
    expect(verifyCertificate(forged.certificate!, configuration)).toBeUndefined();
    const { certificate } = await session();
    const outer = JSON.parse(Buffer.from(certificate!, 'base64').toString('utf8'));
    const header = JSON.parse(Buffer.from(outer.header, 'base64').toString('utf8'));
    const stretched = { ...outer, header: Buffer.from(JSON.stringify({ ...header, notAfter: '2099-01-01T00:00:00.000Z' })).toString('base64') };
    expect(verifyCertificate(Buffer.from(JSON.stringify(stretched)).toString('base64'), configuration)).toBeUndefined();
    expect(verifyCertificate('not base64 json', configuration)).toBeUndefined();
  });

  test('a certificate whose issuer key left the configuration no longer verifies, even after it was cached', async () => {
    const { keyId, certificate } = await session();
    expect(resolveSignerKey(configuration, { gateway: GATEWAY, keyId }, T0, certificate)).toBeDefined();
    const revoked = { publicKey: () => undefined };
    expect(resolveSignerKey(revoked, { gateway: GATEWAY, keyId }, T0, certificate)).toBeUndefined();
  });
});
