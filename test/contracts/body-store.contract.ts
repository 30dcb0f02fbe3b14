/**
 * The `BodyStore` contract (`lambdas/core/ports.ts`): bodies too large for a log record, content-addressed by
 * SHA-256 — a body stored twice is one location, and no body can overwrite another's — read back byte for byte, and
 * shared by a URL another gateway can GET without credentials. A store that cannot be written is
 * `StoreUnavailableError` (`body-store`), which the core turns into `LoggingFailed`.
 */
import { createHash } from 'node:crypto';
import type { BodyStore } from '../../lambdas/core/log/ports';
import { rejectionOf } from '../support/assertions';
import { expectations, expectStoreUnavailable, type Deviations } from './contract-support';

export type BodyStoreExpectation = 'put-unavailable' | 'get-unavailable';

export interface BodyStoreSubject {
  /** A store on a new, empty bucket. */
  make(): Promise<BodyStore>;
  /** GETs a shared URL as another gateway does (no credentials). @default - its URLs cannot be fetched */
  readonly fetchShared?: (url: string) => Promise<{ status: number; body: Buffer }>;
  /** The store, unreachable, and which of its calls that fails. @default - no way to make it unavailable */
  readonly unavailable?: { make(): Promise<BodyStore>; readonly fails: readonly ('put' | 'get')[] };
  readonly deviations?: Deviations<BodyStoreExpectation>;
}

const sha256Hex = (body: Buffer) => createHash('sha256').update(body).digest('hex');
/** Every byte value, repeated to `size` (`seed` shifts them). */
const binary = (size: number, seed = 0) => Buffer.alloc(size, Buffer.from(Array.from({ length: 256 }, (_, index) => (index * 7 + seed) % 256)));

export function describeBodyStoreContract(name: string, subject: BodyStoreSubject): void {
  const expectation = expectations(subject.deviations);

  describe(`BodyStore contract: ${name}`, () => {
    test('a body stored reads back byte for byte from the location put returned (5 MB of every byte value)', async () => {
      const store = await subject.make();
      const body = binary(5 * 1024 * 1024);
      const location = await store.put(body, sha256Hex(body), 'log');
      expect((await store.get(location)).equals(body)).toBe(true);
    });

    test('the same body stored twice has one location (content-addressed); for another purpose, another location', async () => {
      const store = await subject.make();
      const body = binary(1000);
      const logged = await store.put(body, sha256Hex(body), 'log');
      expect(await store.put(Buffer.from(body), sha256Hex(body), 'log')).toBe(logged);
      const transferred = await store.put(body, sha256Hex(body), 'transfer');
      expect(transferred).not.toBe(logged);
      expect((await store.get(logged)).equals(body)).toBe(true);
      expect((await store.get(transferred)).equals(body)).toBe(true);
    });

    test('bodies of different exchanges never overwrite each other', async () => {
      const store = await subject.make();
      const bodies = [binary(300, 1), binary(300, 2), Buffer.alloc(0)];
      const locations = [];
      for (const body of bodies) locations.push(await store.put(body, sha256Hex(body), 'log'));
      expect(new Set(locations).size).toBe(3);
      for (const [index, location] of locations.entries()) expect((await store.get(location)).equals(bodies[index])).toBe(true);
    });

    test('a location nothing was stored at is not read as a body: get rejects', async () => {
      const store = await subject.make();
      const body = binary(10);
      const location = await store.put(body, sha256Hex(body), 'log');
      await rejectionOf(store.get(location.replace(sha256Hex(body), sha256Hex(binary(11)))));
    });

    const fetchShared = subject.fetchShared;
    if (fetchShared) {
      test('a shared URL serves the body to a GET without credentials', async () => {
        const store = await subject.make();
        const body = binary(64 * 1024, 3);
        const url = await store.shareUrl(await store.put(body, sha256Hex(body), 'transfer'), 120);
        const answer = await fetchShared(url);
        expect(answer.status).toBe(200);
        expect(answer.body.equals(body)).toBe(true);
      });
    }

    const unavailable = subject.unavailable;
    if (unavailable?.fails.includes('put')) {
      expectation('put-unavailable', 'put on a store that is down is StoreUnavailableError (body-store)', async () => {
        const body = binary(10);
        await expectStoreUnavailable((await unavailable.make()).put(body, sha256Hex(body), 'log'), 'body-store');
      });
    }
    if (unavailable?.fails.includes('get')) {
      expectation('get-unavailable', 'get on a store that is down is StoreUnavailableError (body-store)', async () => {
        const body = binary(10);
        const location = await (await subject.make()).put(body, sha256Hex(body), 'log');
        await expectStoreUnavailable((await unavailable.make()).get(location), 'body-store');
      });
    }
  });
}
