/**
 * The configuration history audits and evidence read: every distinct signed document is kept (two of one version are
 * a conflict to report, never one silently dropped), and each kept configuration verifies against the central key
 * chain the newer ones verified under — a kept copy signed via a fork of it is refused.
 */
import { buildGlobalConfiguration } from '../../../../lambdas/core/central/configuration-builder';
import { centralSettingsSchema } from '../../../../lambdas/core/central/settings';
import { signCentralKeyRotation } from '../../../../lambdas/core/trust/central-keys';
import { ConfigurationHistory } from '../../../../lambdas/core/trust/configuration-history';
import { signGlobalConfiguration, verifyGlobalConfiguration, type Anchor } from '../../../../lambdas/core/trust/global-configuration';
import { newTestKey } from '../../../support/memory-adapters';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const settings = centralSettingsSchema.parse({ instance: 'DEV', memberClasses: ['GOV', 'COM'] });
const [central, next, forged] = [newTestKey(), newTestKey(), newTestKey()];
const anchor: Anchor = { instance: 'DEV', publicKey: central.spkiBase64 };

const signed = (signer: typeof central, generatedAtMs: number, version: number, extras: Parameters<typeof buildGlobalConfiguration>[3] = {}) =>
  signGlobalConfiguration(buildGlobalConfiguration([], settings, generatedAtMs, { ...extras, version }), signer);

describe('ConfigurationHistory', () => {
  test('two different signed documents of one version are both kept and reported as a conflict', async () => {
    const first = await signed(central, T0, 4);
    const other = await signed(central, T0 + 1000, 4); // same version, another document
    const history = ConfigurationHistory.verified([await signed(central, T0 - 1000, 3), first, other], anchor);
    expect(history.configurations.map((configuration) => [configuration.version, configuration.generatedAtMs])).toEqual([
      [3, T0 - 1000],
      [4, T0],
      [4, T0 + 1000],
    ]);
    expect(history.conflicts).toEqual([4]);
  });

  test('the same document twice (the kept newest is the current one) is one configuration, no conflict', async () => {
    const current = await signed(central, T0, 4);
    const history = new ConfigurationHistory([verifyGlobalConfiguration(current, anchor), verifyGlobalConfiguration({ ...current }, anchor)]);
    expect(history.configurations).toHaveLength(1);
    expect(history.conflicts).toEqual([]);
  });

  test('a kept configuration signed via a fork of the chain the newer ones verified under is refused and reported', async () => {
    const rotation = await signCentralKeyRotation('DEV', central, next, T0);
    const fork = await signCentralKeyRotation('DEV', central, forged, T0 - 60_000); // the retired key, backdated
    const rejected: unknown[] = [];
    const kept = [await signed(central, T0 - 120_000, 1), await signed(forged, T0 - 30_000, 2, { centralKeyRotations: [fork] })];
    const current = await signed(next, T0 + 1000, 3, { centralKeyRotations: [rotation] });
    const history = ConfigurationHistory.verified([...kept, current], anchor, (error) => rejected.push(error));
    expect(history.configurations.map((configuration) => configuration.version)).toEqual([1, 3]);
    expect(String(rejected[0])).toMatch(/fork/);
  });
});
