/**
 * The `GatewayConfigStore` contract (`lambdas/core/ports.ts`): the access policy the deployment wrote, with the
 * schema's defaults filled in; none written means no rights (deny all); a store that cannot be read is
 * `StoreUnavailableError` (`gateway-config`) — never an empty policy that would pass for “deny all”.
 */
import { accessPolicySchema, type AccessPolicyInput } from '../../lambdas/core/exchange/settings';
import type { GatewayConfigStore } from '../../lambdas/core/exchange/ports';
import { expectStoreUnavailable } from './contract-support';

export interface GatewayConfigStoreSubject {
  /** A store on a new table, and how the deployment writes the policy into it. */
  make(): Promise<{ store: GatewayConfigStore; write(policy: AccessPolicyInput): Promise<void> }>;
  /** A store that is down. @default - no way to make it unavailable */
  readonly unavailable?: () => GatewayConfigStore;
}

const POLICY: AccessPolicyInput = {
  services: [{ subsystem: 'population', code: 'persons', backendUrl: 'https://backend.example/persons' }],
  accessRights: [
    { subsystem: 'population', service: 'persons', subject: 'DEV/GOV/70000002/tax-records', method: 'GET', path: '/**' },
    { subsystem: 'population', service: 'persons', subject: 'DEV/security-group/auditors', method: 'GET', path: '/{id}' },
  ],
  localGroups: { auditors: ['DEV/GOV/70000003/audit'] },
  maintenance: { message: 'Back at 14:00' },
};

export function describeGatewayConfigStoreContract(name: string, subject: GatewayConfigStoreSubject): void {
  describe(`GatewayConfigStore contract: ${name}`, () => {
    test('no policy written: no rights — an empty policy, deny all', async () => {
      const { store } = await subject.make();
      expect(await store.accessPolicy()).toEqual(accessPolicySchema.parse({ accessRights: [] }));
    });

    test('the policy written reads back as the deployment wrote it, defaults filled in (backend timeouts, endpoints)', async () => {
      const { store, write } = await subject.make();
      await write(POLICY);
      const policy = await store.accessPolicy();
      expect(policy).toEqual(accessPolicySchema.parse(POLICY));
      expect(policy.services[0].timeoutMs).toBe(25_000);
    });

    test('a policy written again replaces the earlier one (a right revoked is gone)', async () => {
      const { store, write } = await subject.make();
      await write(POLICY);
      await write({ ...POLICY, accessRights: POLICY.accessRights.slice(0, 1), maintenance: undefined });
      const policy = await store.accessPolicy();
      expect(policy.accessRights).toEqual(POLICY.accessRights.slice(0, 1));
      expect(policy.maintenance).toBeUndefined();
    });

    const unavailable = subject.unavailable;
    if (unavailable) {
      test('a store that is down is StoreUnavailableError (gateway-config), not an empty policy', async () => {
        await expectStoreUnavailable(unavailable().accessPolicy(), 'gateway-config');
      });
    }
  });
}
