import { buildGlobalConfiguration } from '../../../../lambdas/core/central/configuration-builder';
import { centralSettingsSchema } from '../../../../lambdas/core/central/settings';
import { signCentralKeyRotation, type CentralKeyRotation } from '../../../../lambdas/core/trust/central-keys';
import { errorResponse, LayerFault } from '../../../../lambdas/core/kernel/errors';
import { signGlobalConfiguration, type Anchor, type SignedGlobalConfiguration } from '../../../../lambdas/core/trust/global-configuration';
import { GlobalConfigurationCache, NO_COPY_RETRY_MS } from '../../../../lambdas/core/trust/global-configuration-cache';
import type { GlobalConfigurationFetcher } from '../../../../lambdas/core/trust/ports';
import { ManualClock, MemoryConfigurationArchive, newTestKey } from '../../../support/memory-adapters';
import { rejectionOf } from '../../../support/assertions';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const REFRESH_MS = 60_000;
const VALIDITY_MS = 600_000;

const central = newTestKey();
const anchor: Anchor = { instance: 'DEV', publicKey: central.spkiBase64 };
const settings = centralSettingsSchema.parse({ instance: 'DEV', memberClasses: ['GOV'], agencies: [], validitySeconds: VALIDITY_MS / 1000 });

/** A configuration generated at `generatedAtMs`, valid for 600 s; `groups` changes its content. */
async function configAt(generatedAtMs: number, signer = central, version = 1, groups: string[] = []): Promise<SignedGlobalConfiguration> {
  const globalGroups = groups.map((code) => ({ code, description: code, members: [] }));
  return signGlobalConfiguration(buildGlobalConfiguration([], settings, generatedAtMs, { version, globalGroups }), signer);
}

type Outcome = SignedGlobalConfiguration | Error;

/** A fetcher that answers with whatever `next` holds at the time of the call and counts its calls. */
class FakeFetcher implements GlobalConfigurationFetcher {
  calls = 0;
  constructor(public next: Outcome) {}
  async fetch(accept: (signed: SignedGlobalConfiguration) => void = () => undefined): Promise<SignedGlobalConfiguration> {
    this.calls += 1;
    const outcome = this.next;
    if (outcome instanceof Error) throw outcome;
    accept(outcome);
    return outcome;
  }
}

function setup(first: Outcome, options: { refreshMs?: number; initialRetryMs?: number; archive?: MemoryConfigurationArchive } = {}) {
  const clock = new ManualClock(T0);
  const fetcher = new FakeFetcher(first);
  const errors: unknown[] = [];
  const cache = new GlobalConfigurationCache({
    anchor,
    fetcher,
    clock,
    refreshMs: options.refreshMs ?? REFRESH_MS,
    initialRetryMs: options.initialRetryMs,
    onRefreshError: (error) => errors.push(error),
    archive: options.archive,
  });
  return { clock, fetcher, cache, errors };
}

async function expectOutdated(promise: Promise<unknown>): Promise<LayerFault> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(LayerFault);
  expect((error as LayerFault).code).toBe('OutdatedGlobalConf');
  return error as LayerFault;
}

let first: SignedGlobalConfiguration;
let second: SignedGlobalConfiguration;
beforeAll(async () => {
  first = await configAt(T0);
  second = await configAt(T0 + REFRESH_MS);
});

describe('GlobalConfigurationCache', () => {
  test('fetches once and serves the copy within refreshMs', async () => {
    const { clock, fetcher, cache } = setup(first);
    const a = await cache.current();
    clock.advance(REFRESH_MS - 1);
    const b = await cache.current();
    expect(b).toBe(a);
    expect(a.signed).toEqual(first);
    expect(fetcher.calls).toBe(1);
  });

  test('refreshes on the first call after refreshMs', async () => {
    const { clock, fetcher, cache } = setup(first);
    await cache.current();
    fetcher.next = second;
    clock.advance(REFRESH_MS);
    const refreshed = await cache.current();
    expect(fetcher.calls).toBe(2);
    expect(refreshed.signed).toEqual(second);
  });

  test('a failed refresh keeps serving the valid copy and retries with back-off, not on every call', async () => {
    const { clock, fetcher, cache, errors } = setup(first, { initialRetryMs: 1000 });
    const original = await cache.current();
    fetcher.next = new Error('central unreachable');

    clock.set(T0 + REFRESH_MS);
    expect(await cache.current()).toBe(original);
    expect(fetcher.calls).toBe(2);
    expect(errors).toHaveLength(1);

    // Within the first retry delay (1 s): no fetch.
    clock.set(T0 + REFRESH_MS + 500);
    expect(await cache.current()).toBe(original);
    clock.set(T0 + REFRESH_MS + 999);
    expect(await cache.current()).toBe(original);
    expect(fetcher.calls).toBe(2);

    // After 1 s: one retry, which fails; the next delay is 2 s.
    clock.set(T0 + REFRESH_MS + 1000);
    expect(await cache.current()).toBe(original);
    expect(fetcher.calls).toBe(3);
    clock.set(T0 + REFRESH_MS + 2999);
    expect(await cache.current()).toBe(original);
    expect(fetcher.calls).toBe(3);
    clock.set(T0 + REFRESH_MS + 3000);
    expect(await cache.current()).toBe(original);
    expect(fetcher.calls).toBe(4);
    expect(errors).toHaveLength(3);

    // The central server is back: the next attempt succeeds and the new copy is served.
    fetcher.next = second;
    clock.set(T0 + REFRESH_MS + 7000);
    const refreshed = await cache.current();
    expect(fetcher.calls).toBe(5);
    expect(refreshed.signed).toEqual(second);
    // ...and is cached for refreshMs again.
    clock.advance(REFRESH_MS - 1);
    await cache.current();
    expect(fetcher.calls).toBe(5);
  });

  test('the retry delay doubles up to refreshMs, and resets after a success', async () => {
    const refreshMs = 5000;
    const { clock, fetcher, cache } = setup(first, { refreshMs, initialRetryMs: 1000 });
    await cache.current();
    fetcher.next = new Error('down');
    clock.set(T0 + refreshMs);
    await cache.current();
    // Attempt times: each attempt after a failure happens exactly when the delay has passed.
    const attempts: number[] = [];
    for (let t = T0 + refreshMs; t <= T0 + refreshMs + 30_000; t += 100) {
      clock.set(t);
      const before = fetcher.calls;
      await cache.current();
      if (fetcher.calls > before) attempts.push(t - (T0 + refreshMs));
    }
    expect(attempts.slice(0, 6)).toEqual([1000, 3000, 7000, 12_000, 17_000, 22_000]);

    // Success resets the delay: the next failure retries after 1 s again.
    fetcher.next = await configAt(T0 + refreshMs + 30_000);
    clock.set(T0 + refreshMs + 40_000);
    await cache.current();
    const calls = fetcher.calls;
    fetcher.next = new Error('down again');
    clock.advance(refreshMs);
    await cache.current();
    expect(fetcher.calls).toBe(calls + 1);
    clock.advance(999);
    await cache.current();
    expect(fetcher.calls).toBe(calls + 1);
    clock.advance(1);
    await cache.current();
    expect(fetcher.calls).toBe(calls + 2);
  });

  test('once the copy has expired and cannot be refreshed → LayerFault OutdatedGlobalConf', async () => {
    const { clock, fetcher, cache } = setup(first);
    await cache.current();
    fetcher.next = new Error('central unreachable');
    clock.set(T0 + VALIDITY_MS - 1);
    await expect(cache.current()).resolves.toBeDefined();
    clock.set(T0 + VALIDITY_MS);
    const fault = await expectOutdated(cache.current());
    // The gateway's error mapping turns it into the X-Road error of its side.
    const response = errorResponse(fault, 'Server.ClientProxy', 'detail-id');
    expect(response.headers['x-road-error']?.[0]).toBe('Server.ClientProxy.OutdatedGlobalConf');
    // An expired copy is never served. Without a usable copy the failure stands for a short back-off (at most
    // NO_COPY_RETRY_MS), so a flood of calls does not mean a flood of fetches; then the next call tries again.
    clock.advance(1);
    await expectOutdated(cache.current());
    expect(fetcher.calls).toBe(3);
    clock.advance(NO_COPY_RETRY_MS);
    await expectOutdated(cache.current());
    expect(fetcher.calls).toBe(4);
  });

  test('an expired copy is refreshed even inside the refresh window and back-off delay', async () => {
    const { clock, fetcher, cache } = setup(first, { refreshMs: 10 * VALIDITY_MS });
    await cache.current();
    clock.set(T0 + VALIDITY_MS);
    fetcher.next = await configAt(T0 + VALIDITY_MS);
    const refreshed = await cache.current();
    expect(fetcher.calls).toBe(2);
    expect(refreshed.isExpired(clock.now())).toBe(false);
  });

  test('recovers after expiry once the central server answers again', async () => {
    const { clock, fetcher, cache } = setup(first);
    await cache.current();
    fetcher.next = new Error('down');
    clock.set(T0 + VALIDITY_MS + 5000);
    await expectOutdated(cache.current());
    fetcher.next = await configAt(T0 + VALIDITY_MS + 5000);
    clock.advance(NO_COPY_RETRY_MS); // within seconds of the source answering again
    const recovered = await cache.current();
    expect(recovered.isExpired(clock.now())).toBe(false);
  });

  test('no copy yet and the fetch fails → OutdatedGlobalConf, with the cause reported', async () => {
    const { cache, errors } = setup(new Error('central unreachable'));
    const fault = await expectOutdated(cache.current());
    expect((fault.cause as Error).message).toBe('central unreachable');
    expect(errors).toHaveLength(1);
  });

  test('concurrent callers share one fetch', async () => {
    const clock = new ManualClock(T0);
    let release!: (value: SignedGlobalConfiguration) => void;
    const fetch = jest.fn(() => new Promise<SignedGlobalConfiguration>((resolve) => (release = resolve)));
    const cache = new GlobalConfigurationCache({ anchor, fetcher: { fetch }, clock, refreshMs: REFRESH_MS });
    const callers = [cache.current(), cache.current(), cache.current()];
    while (fetch.mock.calls.length === 0) await Promise.resolve(); // the shared fetch starts a microtask later
    release(first);
    const results = await Promise.all(callers);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(results[1]).toBe(results[0]);
    expect(results[2]).toBe(results[0]);
    // The next refresh fetches again (the shared fetch is not kept around).
    clock.advance(REFRESH_MS);
    const next = cache.current();
    while (fetch.mock.calls.length === 1) await Promise.resolve();
    release(second);
    expect((await next).signed).toEqual(second);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  // BUG: every caller that shares the failed fetch runs the catch block, so one failure is reported N times and the
  // back-off doubles N times (3 callers: first retry after 4 s instead of initialRetryMs = 1 s).
  test('concurrent callers sharing one failed fetch count as one failure (one report, one back-off step)', async () => {
    const { clock, fetcher, cache, errors } = setup(first, { initialRetryMs: 1000 });
    await cache.current();
    fetcher.next = new Error('down');
    clock.set(T0 + REFRESH_MS);
    await Promise.all([cache.current(), cache.current(), cache.current()]);
    expect(fetcher.calls).toBe(2);
    expect(errors).toHaveLength(1);
    clock.advance(1000);
    await cache.current();
    expect(fetcher.calls).toBe(3);
  });

  test('a configuration that is already expired when served is refused', async () => {
    const { cache } = setup(await configAt(T0 - VALIDITY_MS));
    await expectOutdated(cache.current());
  });

  test('a served-but-expired configuration does not replace a valid copy', async () => {
    const { clock, fetcher, cache, errors } = setup(first);
    const original = await cache.current();
    fetcher.next = await configAt(T0 - VALIDITY_MS);
    clock.set(T0 + REFRESH_MS);
    expect(await cache.current()).toBe(original);
    expect(errors).toHaveLength(1);
  });

  test('a configuration that does not verify with the anchor is refused', async () => {
    const { cache, errors } = setup(await configAt(T0, newTestKey()));
    await expectOutdated(cache.current());
    expect((errors[0] as Error).name).toBe('GlobalConfigurationError');
  });

  test('an older configuration does not replace a newer copy (no rollback)', async () => {
    const { clock, fetcher, cache } = setup(second);
    clock.set(T0 + REFRESH_MS);
    const newer = await cache.current();
    fetcher.next = first;
    clock.advance(REFRESH_MS);
    expect(await cache.current()).toBe(newer);
    expect(fetcher.calls).toBe(2);
  });

  test('a lower version is refused even when generated later (no rollback): reported, and the held copy keeps serving', async () => {
    const { clock, fetcher, cache, errors } = setup(await configAt(T0, central, 7));
    const held = await cache.current();
    fetcher.next = await configAt(T0 + REFRESH_MS, central, 6); // e.g. a stale cache or a replayed answer
    clock.advance(REFRESH_MS);
    expect(await cache.current()).toBe(held);
    expect(String(errors[0])).toMatch(/version 6: version 7 is held already/);
  });
});

describe('GlobalConfigurationCache with the gateway’s archive', () => {
  test('a fresh container with the central unreachable serves the kept copy until it expires, then OutdatedGlobalConf', async () => {
    const archive = new MemoryConfigurationArchive();
    const kept = await configAt(T0, central, 3);
    await archive.keep({ version: 3, signed: kept, keySetId: 'k' });
    const { clock, cache, fetcher } = setup(new Error('central unreachable'), { archive });
    clock.advance(5 * 60_000);
    expect((await cache.current()).version).toBe(3);
    expect(fetcher.calls).toBe(1); // it tried the central first, in line
    clock.set(T0 + VALIDITY_MS);
    await expectOutdated(cache.current());
  });

  test('the kept copy is the floor: a fresh container refuses a lower version, and keeps a newer one it accepts that changes something', async () => {
    const archive = new MemoryConfigurationArchive();
    await archive.keep({ version: 5, signed: await configAt(T0, central, 5), keySetId: 'k' });
    const { clock, cache, fetcher, errors } = setup(await configAt(T0 + 1000, central, 4), { archive });
    clock.advance(1000);
    expect((await cache.current()).version).toBe(5);
    expect(String(errors[0])).toMatch(/no rollback/);
    fetcher.next = await configAt(T0 + 2000, central, 6, ['new-group']);
    clock.advance(REFRESH_MS);
    expect((await cache.current()).version).toBe(6);
    expect(archive.newest?.version).toBe(6);
  });

  test('an archive that cannot be written is reported and never stops the exchange', async () => {
    const archive = new MemoryConfigurationArchive();
    archive.failing = { writes: true };
    const { cache, errors } = setup(await configAt(T0, central, 1), { archive });
    expect((await cache.current()).version).toBe(1);
    expect(errors.map((error) => (error as Error).name)).toEqual(['StoreUnavailableError']);
  });

  test('a kept copy that cannot be read: OutdatedGlobalConf and nothing fetched or kept until a read after the back-off succeeds', async () => {
    const archive = new MemoryConfigurationArchive();
    await archive.keep({ version: 3, signed: await configAt(T0, central, 3), keySetId: 'k' });
    archive.failing = { reads: true };
    const { clock, cache, fetcher, errors } = setup(await configAt(T0 + 1000, central, 4, ['new-group']), { archive });
    clock.advance(1000);
    expect((await expectOutdated(cache.current())).message).toMatch(
      /until the copy this gateway kept can be read: The kept configuration could not be read/,
    );
    await expectOutdated(cache.current()); // within the back-off: no second read
    expect({ reads: archive.reads, fetches: fetcher.calls, keeps: archive.keeps, errors: errors.length }).toEqual({
      reads: 1,
      fetches: 0,
      keeps: 1,
      errors: 1,
    });
    archive.failing = {};
    clock.advance(NO_COPY_RETRY_MS);
    expect((await cache.current()).version).toBe(4);
    expect(archive.newest?.version).toBe(4);
  });

  test('an empty archive, or a kept copy the anchor does not verify (another anchor deployed), starts from the anchor', async () => {
    expect((await setup(await configAt(T0, central, 1), { archive: new MemoryConfigurationArchive() }).cache.current()).version).toBe(1);
    const archive = new MemoryConfigurationArchive();
    await archive.keep({ version: 7, signed: await configAt(T0, newTestKey(), 7), keySetId: 'other' });
    const { cache, errors } = setup(await configAt(T0, central, 2), { archive });
    expect((await cache.current()).version).toBe(2);
    expect(String(errors[0])).toMatch(/anchor/);
  });
});

describe('GlobalConfigurationCache after a central key rotation (a retired central key)', () => {
  const next = newTestKey();
  const forged = newTestKey();
  const HAND_OVER = T0 + 1000;
  let rotation: CentralKeyRotation;
  let backdatedFork: CentralKeyRotation;
  beforeAll(async () => {
    rotation = await signCentralKeyRotation('DEV', central, next, HAND_OVER);
    backdatedFork = await signCentralKeyRotation('DEV', central, forged, T0 - 1000); // the retired key, leaked
  });
  const signedWith = (signer: typeof central, generatedAtMs: number, version: number, centralKeyRotations: CentralKeyRotation[]) =>
    signGlobalConfiguration(buildGlobalConfiguration([], settings, generatedAtMs, { version, centralKeyRotations }), signer);

  /** A gateway anchored to the old key that followed the rotation: it holds version 2, signed by the new key. */
  async function followedRotation(archive?: MemoryConfigurationArchive) {
    const gateway = setup(await signedWith(central, T0, 1, []), { archive });
    await gateway.cache.current();
    gateway.fetcher.next = await signedWith(next, T0 + REFRESH_MS, 2, [rotation]);
    gateway.clock.advance(REFRESH_MS);
    expect((await gateway.cache.current()).version).toBe(2);
    return gateway;
  }

  test('refuses what the retired key signs — a forked hand-over (backdated or not) or a backdated configuration — and is not locked out', async () => {
    const { clock, fetcher, cache, errors } = await followedRotation();
    const attacks = [
      await signedWith(forged, T0 + 2 * REFRESH_MS, 99, [backdatedFork]),
      await signedWith(forged, T0 + 2 * REFRESH_MS, 99, [rotation, backdatedFork]),
      await signedWith(central, HAND_OVER - 1, 99, []), // dated before its hand-over
    ];
    for (const attack of attacks) {
      fetcher.next = attack;
      clock.advance(REFRESH_MS);
      expect((await cache.current()).version).toBe(2);
    }
    expect(errors.map(String)).toEqual([
      expect.stringMatching(/fork/),
      expect.stringMatching(/fork/),
      expect.stringMatching(/only the current central key/),
    ]);
    // The genuine central's next version is still taken.
    fetcher.next = await signedWith(next, clock.now(), 3, [rotation]);
    clock.advance(REFRESH_MS);
    expect((await cache.current()).version).toBe(3);
  });

  test('a fresh container starts from the chain of the copy its gateway kept', async () => {
    const archive = new MemoryConfigurationArchive();
    const { clock } = await followedRotation(archive);
    const fresh = setup(await signedWith(forged, clock.now(), 99, [backdatedFork]), { archive });
    fresh.clock.set(clock.now());
    expect((await fresh.cache.current()).version).toBe(2);
    expect(String(fresh.errors[0])).toMatch(/fork/);
  });
});

describe('GlobalConfigurationCache writes its gateway’s kept copy only on change (issue 25)', () => {
  /** A central publishing a new version every minute, as its schedule does; `groups` is what the configuration says. */
  async function publication(minute: number, groups: string[] = []): Promise<SignedGlobalConfiguration> {
    return configAt(T0 + minute * REFRESH_MS, central, 100 + minute, groups);
  }

  test('a refresh a minute for an hour of unchanged content: kept at first and each time the kept copy has used half its validity, never per refresh', async () => {
    const archive = new MemoryConfigurationArchive();
    const { clock, cache, fetcher } = setup(await publication(0), { archive });
    for (let minute = 0; minute < 60; minute += 1) {
      fetcher.next = await publication(minute);
      clock.set(T0 + minute * REFRESH_MS);
      expect((await cache.current()).version).toBe(100 + minute);
    }
    expect(fetcher.calls).toBe(60);
    // Minutes 0, 5, 10, … 55: validity 600 s, so the kept copy is rewritten once it is 300 s old.
    expect(archive.keeps).toBe(12);
    // The key set's first configuration enters the history once.
    expect(archive.historyWrites).toBe(1);
  });

  test('a change of content is kept at the next refresh', async () => {
    const archive = new MemoryConfigurationArchive();
    const { clock, cache, fetcher } = setup(await publication(0), { archive });
    await cache.current();
    fetcher.next = await publication(1);
    clock.set(T0 + REFRESH_MS);
    await cache.current();
    expect(archive.keeps).toBe(1);
    fetcher.next = await publication(2, ['joined']);
    clock.set(T0 + 2 * REFRESH_MS);
    await cache.current();
    expect({ keeps: archive.keeps, newest: archive.newest?.version }).toEqual({ keeps: 2, newest: 102 });
  });

  test('a fresh container knows the kept copy: it writes nothing until something changes', async () => {
    const archive = new MemoryConfigurationArchive();
    await archive.keep({ version: 100, signed: await publication(0), keySetId: 'k' });
    const writesBefore = archive.keeps;
    const { clock, cache, fetcher } = setup(await publication(1), { archive });
    clock.set(T0 + REFRESH_MS);
    expect((await cache.current()).version).toBe(101);
    expect(fetcher.calls).toBe(1);
    expect(archive.keeps).toBe(writesBefore);
  });

  test('the very copy held offered again (a source answered 304): not verified again, not written', async () => {
    const archive = new MemoryConfigurationArchive();
    const held = await publication(0);
    const { clock, cache, fetcher } = setup(held, { archive });
    const first = await cache.current();
    for (let minute = 1; minute < 10; minute += 1) {
      clock.set(T0 + minute * REFRESH_MS);
      expect(await cache.current()).toBe(first);
    }
    expect({ fetches: fetcher.calls, keeps: archive.keeps }).toEqual({ fetches: 10, keeps: 1 });
    // Still served unchanged past its expiry, it is refused: OutdatedGlobalConf.
    clock.set(T0 + VALIDITY_MS);
    await expectOutdated(cache.current());
  });
});
