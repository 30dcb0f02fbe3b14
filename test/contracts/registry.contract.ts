/**
 * The `Registry` contract (`lambdas/core/ports.ts`): one entry per agency, replaced by each join and removed on
 * revocation (`remove` is false when there was none); configuration versions that are never handed out twice, also
 * to concurrent publishers; the central key rotation chain, oldest first, appended only by the publisher that saw its
 * current length; and what the deployment wrote (allow-list, global groups, federated instances), empty when nothing
 * was. Failures are `StoreUnavailableError` (`registry`). The port states no order for `list`.
 */
import type { AllowedAgency, GlobalGroup, RegistryEntry } from '../../lambdas/core/central/registry';
import { signCentralKeyRotation, type CentralKeyRotation } from '../../lambdas/core/trust/central-keys';
import type { FederatedInstance } from '../../lambdas/core/trust/global-configuration';
import type { Registry } from '../../lambdas/core/central/ports';
import { newTestKey } from '../support/memory-adapters';
import { expectStoreUnavailable } from './contract-support';

/** What the deployment writes into the registry. */
export interface RegistryDeployment {
  readonly allowList: readonly AllowedAgency[];
  readonly groups: readonly GlobalGroup[];
  readonly federation: readonly FederatedInstance[];
}

export interface RegistrySubject {
  /** A registry on a new table, with what the deployment wrote, if anything. */
  make(deployment?: RegistryDeployment): Promise<Registry>;
  /** A registry whose store is down. @default - no way to make it unavailable */
  readonly unavailable?: () => Registry;
}

/** A joined agency's entry; `services` as many as it registered (a join takes up to 1,000), their codes `codeLength` long. */
export function registryEntry(agency: string, services = 2, codeLength = 40): RegistryEntry {
  return {
    agency,
    member: { id: `DEV/GOV/${agency}`, name: `Agency ${agency}` },
    account: '111111111111',
    subsystems: ['population', 'tax'],
    services: Array.from({ length: services }, (_, index) => ({
      subsystem: 'population',
      code: `service-${String(index).padStart(4, '0')}-`.padEnd(codeLength, 'c'),
    })),
    gateway: { id: `DEV/GOV/${agency}/gw`, providerUrl: `https://${agency}.example/prod`, publicKeys: [newTestKey().spkiBase64] },
    joinedAt: '2026-11-27T23:00:00.000Z',
  };
}

const [first, second, third] = [newTestKey(), newTestKey(), newTestKey()];
const rotations = Promise.all([
  signCentralKeyRotation('DEV', first, second, Date.parse('2026-01-01T00:00:00Z')),
  signCentralKeyRotation('DEV', second, third, Date.parse('2026-06-01T00:00:00Z')),
]);
const byAgency = (entries: readonly RegistryEntry[]) => [...entries].sort((a, b) => a.agency.localeCompare(b.agency));

const DEPLOYMENT: RegistryDeployment = {
  allowList: [
    { name: 'tax', account: '222222222222', member: 'DEV/GOV/70000002', memberName: 'Tax Board' },
    { name: 'population', account: '111111111111', member: 'DEV/GOV/70000001' },
  ],
  groups: [{ code: 'auditors', description: 'Who may audit', members: ['DEV/GOV/70000003/audit'] }],
  federation: [{ instance: 'PARTNER', anchorPublicKey: newTestKey().spkiBase64, centralUrl: 'https://central.partner.example/prod' }],
};

export function describeRegistryContract(name: string, subject: RegistrySubject): void {
  describe(`Registry contract: ${name}`, () => {
    test('a new registry: no entries, no rotations, and nothing the deployment did not write (empty lists)', async () => {
      const registry = await subject.make();
      expect(await registry.list()).toEqual([]);
      expect(await registry.centralKeyRotations()).toEqual([]);
      expect(await registry.allowList()).toEqual([]);
      expect(await registry.globalGroups()).toEqual([]);
      expect(await registry.federatedInstances()).toEqual([]);
    });

    test('what the deployment wrote reads back: allow-list, global groups, federated instances', async () => {
      const registry = await subject.make(DEPLOYMENT);
      expect(await registry.allowList()).toEqual(DEPLOYMENT.allowList);
      expect(await registry.globalGroups()).toEqual(DEPLOYMENT.groups);
      expect(await registry.federatedInstances()).toEqual(DEPLOYMENT.federation);
    });

    test('entries put read back exactly, one per agency', async () => {
      const registry = await subject.make();
      const entries = [registryEntry('tax'), registryEntry('population')];
      for (const entry of entries) await registry.put(entry);
      expect(byAgency(await registry.list())).toEqual(byAgency(entries));
    });

    test('a second join of an agency replaces its entry (new keys, new services)', async () => {
      const registry = await subject.make();
      await registry.put(registryEntry('tax', 1));
      const rejoined = { ...registryEntry('tax', 3), joinedAt: '2026-11-28T08:00:00.000Z' };
      await registry.put(rejoined);
      expect(await registry.list()).toEqual([rejoined]);
    });

    // An agency may register 1,000 services: six with long service codes are more than one 1 MB page of a scan, with
    // entries to spare for the second page.
    test('list gives every entry over more than one 1 MB DynamoDB page (6 agencies of 1,000 services, ~280 KB each)', async () => {
      const registry = await subject.make(DEPLOYMENT);
      const entries = Array.from({ length: 6 }, (_, index) => registryEntry(`agency-${index}`, 1000, 250));
      for (const entry of entries) await registry.put(entry);
      const listed = byAgency(await registry.list());
      expect(listed.map((entry) => entry.agency)).toEqual(byAgency(entries).map((entry) => entry.agency));
      expect(listed.every((entry) => entry.services.length === 1000)).toBe(true);
      expect(listed).toEqual(byAgency(entries));
    });

    test('remove takes an agency’s entry out (true); removing one that is not there is false', async () => {
      const registry = await subject.make();
      await registry.put(registryEntry('tax'));
      await registry.put(registryEntry('population'));
      expect(await registry.remove('tax')).toBe(true);
      expect((await registry.list()).map((entry) => entry.agency)).toEqual(['population']);
      expect(await registry.remove('tax')).toBe(false);
      expect(await registry.remove('never-joined')).toBe(false);
    });

    test('configuration versions count up from 1, one more than the last handed out', async () => {
      const registry = await subject.make();
      const versions = [];
      for (let call = 0; call < 3; call += 1) versions.push(await registry.nextConfigurationVersion());
      expect(versions).toEqual([1, 2, 3]);
    });

    test('concurrent publishers never get the same configuration version', async () => {
      const registry = await subject.make();
      const versions = await Promise.all(Array.from({ length: 10 }, () => registry.nextConfigurationVersion()));
      expect([...versions].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    test('a key rotation is appended when the chain is as long as the publisher saw it; the chain reads back oldest first', async () => {
      const registry = await subject.make();
      const [r1, r2] = await rotations;
      expect(await registry.appendCentralKeyRotation(r1, 0)).toBe(true);
      expect(await registry.appendCentralKeyRotation(r2, 1)).toBe(true);
      expect(await registry.centralKeyRotations()).toEqual<CentralKeyRotation[]>([r1, r2]);
    });

    test('a rotation appended by a publisher that saw a shorter chain is refused (false), and the chain is unchanged', async () => {
      const registry = await subject.make();
      const [r1, r2] = await rotations;
      await registry.appendCentralKeyRotation(r1, 0);
      expect(await registry.appendCentralKeyRotation(r2, 0)).toBe(false);
      expect(await registry.appendCentralKeyRotation(r2, 2)).toBe(false);
      expect(await registry.centralKeyRotations()).toEqual([r1]);
    });

    test('concurrent publishers recording the same hand-over: exactly one appends it', async () => {
      const registry = await subject.make();
      const [r1] = await rotations;
      const appended = await Promise.all([0, 1, 2, 3].map(() => registry.appendCentralKeyRotation(r1, 0)));
      expect(appended.filter(Boolean)).toHaveLength(1);
      expect(await registry.centralKeyRotations()).toEqual([r1]);
    });

    const unavailable = subject.unavailable;
    if (unavailable) {
      test('every call on a registry that is down is StoreUnavailableError (registry) — nothing passes for “empty”', async () => {
        const registry = unavailable();
        const [r1] = await rotations;
        await expectStoreUnavailable(registry.put(registryEntry('tax')), 'registry');
        await expectStoreUnavailable(registry.list(), 'registry');
        await expectStoreUnavailable(registry.remove('tax'), 'registry');
        await expectStoreUnavailable(registry.nextConfigurationVersion(), 'registry');
        await expectStoreUnavailable(registry.centralKeyRotations(), 'registry');
        await expectStoreUnavailable(registry.appendCentralKeyRotation(r1, 0), 'registry');
        await expectStoreUnavailable(registry.allowList(), 'registry');
        await expectStoreUnavailable(registry.globalGroups(), 'registry');
        await expectStoreUnavailable(registry.federatedInstances(), 'registry');
      });
    }
  });
}
