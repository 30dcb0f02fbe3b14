/**
 * The `ConfigurationDistribution` contract (`lambdas/core/ports.ts`): `current` is the configuration published last
 * — undefined before the first — exactly as signed (document text, header, signature: readers verify those bytes);
 * each version is kept as an object of its own, so any past configuration can be produced. Failures are
 * `StoreUnavailableError` (`registry`).
 */
import type { SignedGlobalConfiguration } from '../../lambdas/core/trust/global-configuration';
import type { ConfigurationDistribution } from '../../lambdas/core/central/ports';
import { configuration } from './configuration-archive.contract';
import { expectStoreUnavailable } from './contract-support';

export interface ConfigurationDistributionSubject {
  /** A distribution on a new, empty store. */
  make(): Promise<ConfigurationDistribution>;
  /** Reads the object a version was kept as. @default - versions are not kept apart */
  readonly keptVersion?: (distribution: ConfigurationDistribution, version: number) => Promise<SignedGlobalConfiguration | undefined>;
  /** A distribution whose store is down. @default - no way to make it unavailable */
  readonly unavailable?: () => ConfigurationDistribution;
}

export function describeConfigurationDistributionContract(name: string, subject: ConfigurationDistributionSubject): void {
  describe(`ConfigurationDistribution contract: ${name}`, () => {
    test('before the first publication there is no current configuration (undefined, not an error)', async () => {
      const distribution = await subject.make();
      expect(await distribution.current()).toBeUndefined();
    });

    test('the configuration published reads back exactly as signed: document text, header and signature', async () => {
      const distribution = await subject.make();
      const signed = { ...configuration(1), document: `${configuration(1).document.slice(0, -1)}, "note": "ünïcödé \\u2028 and </script>"}` };
      await distribution.publish(signed, 1);
      expect(await distribution.current()).toEqual(signed);
    });

    test('each publication replaces the current one', async () => {
      const distribution = await subject.make();
      for (const version of [1, 2, 3]) await distribution.publish(configuration(version), version);
      expect(await distribution.current()).toEqual(configuration(3));
    });

    const keptVersion = subject.keptVersion;
    if (keptVersion) {
      test('every version published is kept as it was, after newer ones', async () => {
        const distribution = await subject.make();
        for (const version of [1, 2, 3]) await distribution.publish(configuration(version), version);
        expect(await keptVersion(distribution, 1)).toEqual(configuration(1));
        expect(await keptVersion(distribution, 2)).toEqual(configuration(2));
        expect(await keptVersion(distribution, 4)).toBeUndefined();
      });
    }

    const unavailable = subject.unavailable;
    if (unavailable) {
      test('publishing to a store that is down is StoreUnavailableError (registry)', async () => {
        await expectStoreUnavailable(unavailable().publish(configuration(1), 1), 'registry');
      });

      test('reading from a store that is down is StoreUnavailableError (registry), not “none published”', async () => {
        await expectStoreUnavailable(unavailable().current(), 'registry');
      });
    }
  });
}
