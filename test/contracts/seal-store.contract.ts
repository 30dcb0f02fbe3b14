/**
 * The `SealStore` contract (`lambdas/core/ports.ts`): seals are first-writer-wins per starting window (`putSeal` is
 * false when another sealer won the race), `listSeals` gives all of them oldest first and `latestSeal` the newest; the
 * sealing index gives one leaf per record logged in the windows asked for — its key
 * (`<client> <X-Road-Id> <side>#<direction>`), `loggedAt` and the record's hash. The store is the message log's, so
 * leaves come from records appended through the `MessageLog` of the same store. Failures are `StoreUnavailableError`
 * (`seals`).
 */
import type { MessageLogRecord } from '../../lambdas/core/log/records';
import type { MessageLog, SealStore } from '../../lambdas/core/log/ports';
import { recordHash, sealKey, SEAL_TYPE, windowStartMs, type Seal, type SealHeader } from '../../lambdas/core/log/seal';
import { expectations, expectStoreUnavailable, type Deviations } from './contract-support';
import { loggedRecord } from './message-log.contract';

export type SealStoreExpectation = 'put-unavailable' | 'list-unavailable' | 'leaves-unavailable';
type SealOperation = 'latestSeal' | 'listSeals' | 'putSeal' | 'leavesInWindows';

/** Seal windows of the suite: one minute, as deployed by default. */
export const SEAL_INTERVAL_SECONDS = 60;

export interface SealStoreSubject {
  /** The seal store and the message log of one new, empty store (windows of `SEAL_INTERVAL_SECONDS`). */
  make(): Promise<{ seals: SealStore; log: MessageLog }>;
  /** A seal store whose store is down, and which of its calls that fails. @default - no way to make it unavailable */
  readonly unavailable?: { make(): SealStore; readonly fails: readonly SealOperation[] };
  readonly deviations?: Deviations<SealStoreExpectation>;
}

/** A seal of windows `from`…`to` as the sealer writes it; `padding` makes its header that much longer. */
export function sealOf(fromWindow: number, toWindow = fromWindow, padding = 0): { seal: Seal; header: SealHeader } {
  const header: SealHeader = {
    type: SEAL_TYPE,
    gateway: `DEV/GOV/70000001/gw${'-'.repeat(padding)}`,
    keyId: 'k1',
    intervalSeconds: SEAL_INTERVAL_SECONDS,
    fromWindow,
    toWindow,
    recordCount: 0,
    root: Buffer.alloc(32, fromWindow % 251).toString('base64'),
    previousSealHash: 'genesis',
    sealedAt: new Date(windowStartMs(toWindow + 1, SEAL_INTERVAL_SECONDS)).toISOString(),
  };
  return {
    seal: { header: Buffer.from(JSON.stringify(header)).toString('base64'), signature: Buffer.alloc(71, fromWindow % 251).toString('base64') },
    header,
  };
}

/** A window of the suite's (2026-11-27, in minutes since the epoch). */
const W = Math.floor(Date.parse('2026-11-27T23:00:00.000Z') / (SEAL_INTERVAL_SECONDS * 1000));
const inWindow = (window: number, offsetMs = 30_000) => new Date(windowStartMs(window, SEAL_INTERVAL_SECONDS) + offsetMs).toISOString();
const leafOf = (record: MessageLogRecord) => ({ key: sealKey(record), loggedAt: record.loggedAt, recordHash: recordHash(record).toString('base64') });
const byKey = <T extends { key: string }>(leaves: readonly T[]) => [...leaves].sort((a, b) => a.key.localeCompare(b.key));

export function describeSealStoreContract(name: string, subject: SealStoreSubject): void {
  const expectation = expectations(subject.deviations);

  describe(`SealStore contract: ${name}`, () => {
    test('before the first seal there is none: latestSeal is undefined, listSeals empty', async () => {
      const { seals } = await subject.make();
      expect(await seals.latestSeal()).toBeUndefined();
      expect(await seals.listSeals()).toEqual([]);
    });

    test('a seal written reads back exactly (its signed header bytes and signature), as the latest and in the list', async () => {
      const { seals } = await subject.make();
      const { seal, header } = sealOf(W, W + 4);
      expect(await seals.putSeal(seal, header)).toBe(true);
      expect(await seals.latestSeal()).toEqual(seal);
      expect(await seals.listSeals()).toEqual([seal]);
    });

    test('a second seal starting at the same window is not written (false: another sealer won the race); the first stays', async () => {
      const { seals } = await subject.make();
      const first = sealOf(W, W + 1);
      const rival = sealOf(W, W + 2);
      expect(await seals.putSeal(first.seal, first.header)).toBe(true);
      expect(await seals.putSeal(rival.seal, rival.header)).toBe(false);
      expect(await seals.listSeals()).toEqual([first.seal]);
    });

    test('concurrent sealers of one window: exactly one writes', async () => {
      const { seals } = await subject.make();
      const rivals = [1, 2, 3, 4].map((span) => sealOf(W, W + span));
      const written = await Promise.all(rivals.map(({ seal, header }) => seals.putSeal(seal, header)));
      expect(written.filter(Boolean)).toHaveLength(1);
      expect(await seals.listSeals()).toEqual([rivals[written.indexOf(true)].seal]);
    });

    test('listSeals is oldest first and latestSeal the newest, whatever order they were written in', async () => {
      const { seals } = await subject.make();
      const chain = [sealOf(W, W + 9), sealOf(W + 10, W + 10), sealOf(W + 11, W + 99), sealOf(W + 100, W + 100)];
      for (const index of [2, 0, 3, 1]) await seals.putSeal(chain[index].seal, chain[index].header);
      expect(await seals.listSeals()).toEqual(chain.map(({ seal }) => seal));
      expect(await seals.latestSeal()).toEqual(chain[3].seal);
    });

    // A seal a minute is ~1,700 a day; seals with long headers stand in for them.
    test('listSeals gives every seal, oldest first, over more than one 1 MB DynamoDB page (10 seals of ~130 KB)', async () => {
      const { seals } = await subject.make();
      const chain = Array.from({ length: 10 }, (_, index) => sealOf(W + index, W + index, 100 * 1024));
      for (const { seal, header } of chain) await seals.putSeal(seal, header);
      const listed = await seals.listSeals();
      expect(listed.map((seal) => seal.signature)).toEqual(chain.map(({ seal }) => seal.signature));
      expect(listed.every((seal, index) => seal.header === chain[index].seal.header)).toBe(true);
      expect((await seals.latestSeal())?.signature).toBe(chain[9].seal.signature);
    });

    test('leavesInWindows gives one leaf per record logged in the windows asked for (both ends included): its key, loggedAt and record hash', async () => {
      const { seals, log } = await subject.make();
      const windows = [W - 1, W, W, W + 1, W + 2];
      const records = windows.map((window, index) =>
        loggedRecord(`leaf-${index}`, 'consumer', 'request', { loggedAt: inWindow(window, index * 1000) }),
      );
      const response = loggedRecord('leaf-1', 'consumer', 'response', { loggedAt: inWindow(W + 1, 59_999) });
      for (const record of [...records, response]) await log.append(record);
      expect(byKey(await seals.leavesInWindows(W, W + 1))).toEqual(byKey([records[1], records[2], records[3], response].map(leafOf)));
      expect(await seals.leavesInWindows(W + 3, W + 9)).toEqual([]);
    });

    test('a record at the first millisecond of a window is in that window, not the one before', async () => {
      const { seals, log } = await subject.make();
      const record = loggedRecord('edge', 'provider', 'response', { loggedAt: new Date(windowStartMs(W, SEAL_INTERVAL_SECONDS)).toISOString() });
      await log.append(record);
      expect(await seals.leavesInWindows(W - 1, W - 1)).toEqual([]);
      expect(await seals.leavesInWindows(W, W)).toEqual([leafOf(record)]);
    });

    // A busy minute (100 messages a second, four records each) fills more than a page of the sealing index; records
    // with X-Road-Ids near DynamoDB's 2 KB key limit fill it with fewer.
    test('leavesInWindows gives every leaf of a window holding more than one 1 MB page of the sealing index (1,100 records)', async () => {
      const { seals, log } = await subject.make();
      const unsigned = {
        manifest: undefined,
        signature: undefined,
        certificate: undefined,
        headers: undefined,
        body: undefined,
        bodyLogged: 'metadata',
      } as const;
      const records = Array.from({ length: 1100 }, (_, index) =>
        loggedRecord(`${index}-${'x'.repeat(1950)}`, 'provider', 'request', { ...unsigned, loggedAt: inWindow(W, (index % 600) * 100) }),
      );
      for (let start = 0; start < records.length; start += 50)
        await Promise.all(records.slice(start, start + 50).map((record) => log.append(record)));
      const leaves = await seals.leavesInWindows(W, W);
      expect(leaves).toHaveLength(records.length);
      expect(new Set(leaves.map((leaf) => leaf.key))).toEqual(new Set(records.map(sealKey)));
    }, 20_000);

    const unavailable = subject.unavailable;
    const down = (operation: SealOperation) => unavailable?.fails.includes(operation) ?? false;
    if (down('latestSeal')) {
      test('latestSeal on a store that is down is StoreUnavailableError (seals)', async () => {
        await expectStoreUnavailable(unavailable!.make().latestSeal(), 'seals');
      });
    }
    if (down('listSeals')) {
      expectation('list-unavailable', 'listSeals on a store that is down is StoreUnavailableError (seals)', async () => {
        await expectStoreUnavailable(unavailable!.make().listSeals(), 'seals');
      });
    }
    if (down('putSeal')) {
      expectation('put-unavailable', 'putSeal on a store that is down is StoreUnavailableError (seals), not a lost race', async () => {
        const { seal, header } = sealOf(W);
        await expectStoreUnavailable(unavailable!.make().putSeal(seal, header), 'seals');
      });
    }
    if (down('leavesInWindows')) {
      expectation('leaves-unavailable', 'leavesInWindows on a store that is down is StoreUnavailableError (seals)', async () => {
        await expectStoreUnavailable(unavailable!.make().leavesInWindows(W, W), 'seals');
      });
    }
  });
}
