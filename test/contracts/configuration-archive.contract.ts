/**
 * The `ConfigurationArchive` contract (`lambdas/core/ports.ts`): `latest` is the newest configuration kept — only a
 * higher version replaces it, so neither a late write nor a concurrent container moves it back — and `history` the
 * first configuration of each key set seen, oldest first, each kept once. The archives of federated instances on one
 * store keep apart. Failures are `StoreUnavailableError` (`gateway-config`).
 */
import type { SignedGlobalConfiguration } from '../../lambdas/core/trust/global-configuration';
import type { ConfigurationArchive } from '../../lambdas/core/trust/ports';
import { expectations, expectStoreUnavailable, type Deviations } from './contract-support';

export type ConfigurationArchiveExpectation = 'history-unavailable';
type ArchiveOperation = 'latest' | 'keep' | 'history';

export interface ConfigurationArchiveSubject {
  /** A new, empty store; `open` gives its archive of an instance (undefined: the gateway's own). */
  make(): Promise<{ open(instance?: string): ConfigurationArchive }>;
  /** An archive whose store is down, and which of its calls that fails. @default - no way to make it unavailable */
  readonly unavailable?: { make(): ConfigurationArchive; readonly fails: readonly ArchiveOperation[] };
  readonly deviations?: Deviations<ConfigurationArchiveExpectation>;
}

/** A signed configuration of `version` (the archive keeps it as given; `padding` makes its document longer). */
export function configuration(version: number, padding = 0): SignedGlobalConfiguration {
  const generatedAt = '2026-11-27T23:00:00.000Z';
  const document = JSON.stringify({ type: 'sild.globalconf.v1', instance: 'DEV', version, generatedAt, padding: 'p'.repeat(padding) });
  return {
    document,
    header: Buffer.from(JSON.stringify({ version })).toString('base64'),
    signature: Buffer.alloc(71, version % 251).toString('base64'),
  };
}

const kept = (version: number, keySetId: string, padding = 0) => ({ version, signed: configuration(version, padding), keySetId });

export function describeConfigurationArchiveContract(name: string, subject: ConfigurationArchiveSubject): void {
  const expectation = expectations(subject.deviations);

  describe(`ConfigurationArchive contract: ${name}`, () => {
    test('before the first configuration: latest is undefined, history empty', async () => {
      const archive = (await subject.make()).open();
      expect(await archive.latest()).toBeUndefined();
      expect(await archive.history()).toEqual([]);
    });

    test('a configuration kept reads back exactly, as the latest and as its key set’s first', async () => {
      const archive = (await subject.make()).open();
      await archive.keep(kept(1, 'keys-a'));
      expect(await archive.latest()).toEqual(configuration(1));
      expect(await archive.history()).toEqual([configuration(1)]);
    });

    test('only a higher version replaces the latest: an older or the same version kept later does not', async () => {
      const archive = (await subject.make()).open();
      await archive.keep(kept(5, 'keys-a'));
      await archive.keep(kept(3, 'keys-a'));
      expect(await archive.latest()).toEqual(configuration(5));
      await archive.keep({ version: 5, signed: configuration(4), keySetId: 'keys-a' });
      expect(await archive.latest()).toEqual(configuration(5));
      await archive.keep(kept(6, 'keys-a'));
      expect(await archive.latest()).toEqual(configuration(6));
    });

    test('containers keeping concurrently never move the latest back: it ends at the highest version', async () => {
      const archive = (await subject.make()).open();
      await Promise.all([4, 9, 2, 7, 5].map((version) => archive.keep(kept(version, 'keys-a'))));
      expect(await archive.latest()).toEqual(configuration(9));
    });

    test('history holds the first configuration of each key set, oldest first, whatever order they were kept in', async () => {
      const archive = (await subject.make()).open();
      await archive.keep(kept(7, 'keys-c'));
      await archive.keep(kept(2, 'keys-a'));
      await archive.keep(kept(3, 'keys-a'));
      await archive.keep(kept(5, 'keys-b'));
      expect(await archive.history()).toEqual([configuration(2), configuration(5), configuration(7)]);
    });

    test('a key set seen before keeps its first configuration: a later one of the same key set does not replace it', async () => {
      const archive = (await subject.make()).open();
      await archive.keep(kept(2, 'keys-a'));
      await archive.keep({ version: 8, signed: configuration(8), keySetId: 'keys-a' });
      expect(await archive.history()).toEqual([configuration(2)]);
    });

    // Each configuration lists every member, gateway and key: a large ecosystem's is hundreds of KB.
    test('history gives every key set’s configuration over more than one 1 MB DynamoDB page (5 of ~300 KB)', async () => {
      const archive = (await subject.make()).open();
      for (let version = 1; version <= 5; version += 1) await archive.keep(kept(version, `keys-${version}`, 300 * 1024));
      const history = await archive.history();
      expect(history.map((signed) => JSON.parse(signed.document).version)).toEqual([1, 2, 3, 4, 5]);
      expect(history.every((signed, index) => signed.document === configuration(index + 1, 300 * 1024).document)).toBe(true);
    });

    test('the archives of federated instances on one store keep apart from each other and from the gateway’s own', async () => {
      const store = await subject.make();
      const own = store.open();
      const partner = store.open('PARTNER');
      await own.keep(kept(3, 'keys-own'));
      await partner.keep(kept(1, 'keys-partner'));
      expect(await own.latest()).toEqual(configuration(3));
      expect(await partner.latest()).toEqual(configuration(1));
      expect(await own.history()).toEqual([configuration(3)]);
      expect(await partner.history()).toEqual([configuration(1)]);
      expect(await store.open('OTHER').latest()).toBeUndefined();
    });

    const unavailable = subject.unavailable;
    const down = (operation: ArchiveOperation) => unavailable?.fails.includes(operation) ?? false;
    if (down('latest')) {
      test('latest on a store that is down is StoreUnavailableError (gateway-config), not “none kept”', async () => {
        await expectStoreUnavailable(unavailable!.make().latest(), 'gateway-config');
      });
    }
    if (down('keep')) {
      test('keep on a store that is down is StoreUnavailableError (gateway-config)', async () => {
        await expectStoreUnavailable(unavailable!.make().keep(kept(1, 'keys-a')), 'gateway-config');
      });
    }
    if (down('history')) {
      expectation(
        'history-unavailable',
        'history on a store that is down is StoreUnavailableError (gateway-config), not an empty history',
        async () => {
          await expectStoreUnavailable(unavailable!.make().history(), 'gateway-config');
        },
      );
    }
  });
}
