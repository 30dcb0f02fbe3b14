/**
 * The `KeyRing` contract (`lambdas/core/ports.ts`): `current` is the key to sign with — taken once per use, so a key
 * id and a signature made with it agree even across a switch — and `published` every key to publish, the current one
 * among them; through a rotation, the successor is published before it signs and its predecessor stays published
 * after. A ring that cannot be read before its first read is the caller's failure (a port error); a ring read once
 * keeps signing with what it read while its store is down.
 */
import { keyIdOf } from '../../lambdas/core/kernel/signatures';
import { SigningUnavailableError, StoreUnavailableError, type KeyRing, type Signer } from '../../lambdas/core/kernel/ports';
import { rejectionOf } from '../support/assertions';
import { expectStoreUnavailable } from './contract-support';
import { verifies } from './signer.contract';

/** A ring the operator rotates (`sild keys rotate`): each step written to its store, seen after `refresh`. */
export interface OperatedRing {
  readonly ring: KeyRing;
  /** The successor published beside the current key. */
  announce(): Promise<void>;
  /** The successor signs; its predecessor stays published. */
  switchOver(): Promise<void>;
  /** The predecessor is no longer published. */
  retire(): Promise<void>;
  /** Lets the ring's refresh interval pass, so it reads its store again. */
  refresh(): void;
  /** Takes the store the ring is read from down. */
  breakStore(): void;
}

export interface KeyRingSubject {
  /** A ring before any rotation (the deployment's key alone). */
  make(): Promise<KeyRing>;
  /** A ring the operator can rotate. @default - the ring never rotates */
  readonly operated?: () => Promise<OperatedRing>;
  /** A ring whose store is down from the start. @default - it has no store */
  readonly unreadable?: () => KeyRing;
  /** A ring whose key service is down. @default - no way to make it unavailable */
  readonly signingDown?: () => KeyRing;
}

const idOf = async (signer: Signer) => keyIdOf(await signer.publicKey());
const idsOf = async (signers: readonly Signer[]) => Promise.all(signers.map(idOf));

export function describeKeyRingContract(name: string, subject: KeyRingSubject): void {
  describe(`KeyRing contract: ${name}`, () => {
    test('the current key signs, verifiably under its public key, and is among the published keys', async () => {
      const ring = await subject.make();
      const current = await ring.current();
      const message = Buffer.from('manifest');
      expect(verifies(message, await current.publicKey(), await current.sign(message))).toBe(true);
      expect(await idsOf(await ring.published())).toContain(await idOf(current));
    });

    test('every published key can prove itself (a signature at join)', async () => {
      const ring = await subject.make();
      const published = await ring.published();
      expect(published.length).toBeGreaterThan(0);
      for (const signer of published)
        expect(verifies(Buffer.from('join'), await signer.publicKey(), await signer.sign(Buffer.from('join')))).toBe(true);
    });

    test('without a rotation the ring stays as it is: the same current key on every use', async () => {
      const ring = await subject.make();
      expect(await idOf(await ring.current())).toBe(await idOf(await ring.current()));
    });

    const operated = subject.operated;
    if (operated) {
      test('a rotation: the successor is published before it signs, signs after the switch, and its predecessor stays published until retired', async () => {
        const { ring, announce, switchOver, retire, refresh } = await operated();
        const first = await idOf(await ring.current());
        await announce();
        refresh();
        const announced = await idsOf(await ring.published());
        expect(await idOf(await ring.current())).toBe(first);
        expect(announced).toHaveLength(2);
        expect(announced).toContain(first);
        const successor = announced.find((id) => id !== first)!;
        await switchOver();
        refresh();
        expect(await idOf(await ring.current())).toBe(successor);
        expect((await idsOf(await ring.published())).sort()).toEqual([first, successor].sort());
        await retire();
        refresh();
        expect(await idsOf(await ring.published())).toEqual([successor]);
      });

      test('a key taken before a switch keeps signing as itself: its key id and its signatures agree', async () => {
        const { ring, announce, switchOver, refresh } = await operated();
        const taken = await ring.current();
        const takenKey = await taken.publicKey();
        await announce();
        await switchOver();
        refresh();
        expect(await idOf(await ring.current())).not.toBe(keyIdOf(takenKey));
        const message = Buffer.from('signed after the switch');
        expect(verifies(message, takenKey, await taken.sign(message))).toBe(true);
      });

      test('a ring read once keeps signing with what it read while its store is down', async () => {
        const { ring, breakStore, refresh } = await operated();
        const before = await idOf(await ring.current());
        breakStore();
        refresh();
        expect(await idOf(await ring.current())).toBe(before);
        expect(await idsOf(await ring.published())).toContain(before);
      });
    }

    const unreadable = subject.unreadable;
    if (unreadable) {
      test('a ring whose store is down before its first read: StoreUnavailableError (gateway-config), no key', async () => {
        await expectStoreUnavailable(unreadable().current(), 'gateway-config');
        expect(await rejectionOf(unreadable().published())).toBeInstanceOf(StoreUnavailableError);
      });
    }

    const signingDown = subject.signingDown;
    if (signingDown) {
      test('a ring whose key service is down: its key cannot sign (SigningUnavailableError)', async () => {
        const current = await signingDown().current();
        expect(await rejectionOf(current.sign(Buffer.from('x')))).toBeInstanceOf(SigningUnavailableError);
      });
    }
  });
}
