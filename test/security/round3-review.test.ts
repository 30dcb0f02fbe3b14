/**
 * The hostile review of security round 3: each `describe` is one of its findings (B1–B10), each test an attack that
 * worked against the round-3 code.
 */
import { buildGlobalConfiguration, centralSettingsSchema } from '../../lambdas/core/central';
import { signCentralKeyRotation, type CentralKeyRotation } from '../../lambdas/core/central-keys';
import { federatedCacheOptions } from '../../lambdas/core/federation';
import { signGlobalConfiguration, type SignedGlobalConfiguration } from '../../lambdas/core/global-configuration';
import { GlobalConfigurationCache, NO_COPY_RETRY_MS } from '../../lambdas/core/global-configuration-cache';
import { StoreUnavailableError, type GlobalConfigurationFetcher } from '../../lambdas/core/ports';
import { ManualClock, MemoryConfigurationArchive, newTestKey } from '../support/memory-adapters';

describe('B1: one failed read of the kept copy at cold start let a retired central key’s fork in', () => {
  const T0 = Date.parse('2025-03-01T12:00:00.000Z');
  const retired = newTestKey(); // the key the gateway was deployed with, retired at the rotation, later leaked
  const successor = newTestKey();
  const attacker = newTestKey();

  /** The central keys of `instance` and a source serving whatever `next` is. */
  function instanceOf(instance: string) {
    const settings = centralSettingsSchema.parse({ instance, memberClasses: ['GOV'], agencies: [], validitySeconds: 600 });
    const signedWith = (signer: typeof retired, at: number, version: number, centralKeyRotations: CentralKeyRotation[]) =>
      signGlobalConfiguration(buildGlobalConfiguration([], settings, at, { version, centralKeyRotations }), signer);
    const source: GlobalConfigurationFetcher & { next?: SignedGlobalConfiguration } = {
      async fetch(accept = () => undefined) {
        accept(source.next!);
        return source.next!;
      },
    };
    return { signedWith, source };
  }

  /** The table refuses the next read once (throttling, a network blip at cold start), then answers normally. */
  class FlakyOnceArchive extends MemoryConfigurationArchive {
    failNextRead = false;
    override async latest() {
      if (this.failNextRead) {
        this.failNextRead = false;
        throw new StoreUnavailableError('gateway-config', 'ProvisionedThroughputExceededException');
      }
      return super.latest();
    }
  }

  /**
   * A gateway that followed the genuine rotation (its archive keeps version 2, chain retired → successor); then the
   * leaked key's fork is served, and a fresh container's first read of the kept copy fails.
   */
  async function attack(instance: string, container: (archive: MemoryConfigurationArchive, source: GlobalConfigurationFetcher, clock: ManualClock) => GlobalConfigurationCache) {
    const { signedWith, source } = instanceOf(instance);
    const clock = new ManualClock(T0);
    const archive = new FlakyOnceArchive();
    const rotation = await signCentralKeyRotation(instance, retired, successor, T0 + 1000);
    source.next = await signedWith(retired, T0, 1, []);
    const first = container(archive, source, clock);
    await first.current();
    source.next = await signedWith(successor, T0 + 60_000, 2, [rotation]);
    clock.advance(60_000);
    expect((await first.current()).version).toBe(2);

    source.next = await signedWith(attacker, clock.now(), 99, [await signCentralKeyRotation(instance, retired, attacker, T0 - 1000)]);
    archive.failNextRead = true;
    const fresh = container(archive, source, clock);
    const during = await fresh.current().catch((error: Error) => error);
    const keptAfter = archive.newest?.version;
    clock.advance(NO_COPY_RETRY_MS);
    const retried = await fresh.current().catch((error: Error) => error);
    source.next = await signedWith(successor, clock.now(), 3, [rotation]);
    clock.advance(60_000);
    const genuineNext = await container(archive, source, clock).current();
    return { during, keptAfter, retried, genuineNext: genuineNext.version };
  }

  test('the fork is neither taken nor kept while the kept copy is unknown; the read is retried; the genuine central’s next version is taken', async () => {
    const result = await attack('DEV', (archive, fetcher, clock) => new GlobalConfigurationCache({ anchor: { instance: 'DEV', publicKey: retired.spkiBase64 }, fetcher, clock, refreshMs: 60_000, archive }));
    expect(result.during).toMatchObject({ code: 'OutdatedGlobalConf', message: expect.stringMatching(/until the copy this gateway kept can be read/) });
    expect(result.keptAfter).toBe(2);
    // Once read, the kept chain refuses the fork (the kept copy keeps serving), and nothing but the genuine chain is kept.
    expect(result.retried).toMatchObject({ version: 2 });
    expect(result.genuineNext).toBe(3);
  });

  test('a federated instance’s cache alike', async () => {
    const result = await attack('FI', (archive, fetcher, clock) =>
      new GlobalConfigurationCache(federatedCacheOptions({ instance: 'FI', anchorPublicKey: retired.spkiBase64, centralUrl: 'https://central.fi.example' }, { fetcher, clock, refreshMs: 60_000, archive })),
    );
    expect(result).toMatchObject({ during: { code: 'OutdatedGlobalConf' }, keptAfter: 2, retried: { version: 2 }, genuineNext: 3 });
  });
});
