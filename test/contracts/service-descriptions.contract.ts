/**
 * The `ServiceDescriptions` contract (`lambdas/core/ports.ts`): a service's OpenAPI description as the deployment
 * wrote it, per subsystem and service code; undefined when it has none; a store that cannot be read is
 * `StoreUnavailableError` (`gateway-config`) — never “no description”.
 */
import type { ServiceDescriptions } from '../../lambdas/core/exchange/ports';
import { expectStoreUnavailable } from './contract-support';

export interface ServiceDescriptionsSubject {
  /** Descriptions on a new table, and how the deployment writes one. */
  make(): Promise<{ descriptions: ServiceDescriptions; write(subsystem: string, code: string, document: unknown): Promise<void> }>;
  /** Descriptions whose store is down. @default - no way to make it unavailable */
  readonly unavailable?: () => ServiceDescriptions;
}

const OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'Persons', version: '1.2.0', description: 'Ünïcödé, "quotes", and a\nnewline' },
  paths: {
    '/persons/{id}': {
      get: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'A person' } },
      },
    },
  },
  'x-empty': {},
  'x-list': [1, 2.5, null, true, ''],
};

export function describeServiceDescriptionsContract(name: string, subject: ServiceDescriptionsSubject): void {
  describe(`ServiceDescriptions contract: ${name}`, () => {
    test('a service without a description: undefined', async () => {
      const { descriptions } = await subject.make();
      expect(await descriptions.get('population', 'persons')).toBeUndefined();
    });

    test('a description reads back as written (any JSON document)', async () => {
      const { descriptions, write } = await subject.make();
      await write('population', 'persons', OPENAPI);
      expect(await descriptions.get('population', 'persons')).toEqual(OPENAPI);
    });

    test('descriptions are per subsystem and service code: another service’s is never returned', async () => {
      const { descriptions, write } = await subject.make();
      await write('population', 'persons', OPENAPI);
      await write('population', 'addresses', { openapi: '3.1.0', info: { title: 'Addresses', version: '1' }, paths: {} });
      expect(await descriptions.get('population', 'addresses')).toMatchObject({ info: { title: 'Addresses' } });
      expect(await descriptions.get('tax', 'persons')).toBeUndefined();
      expect(await descriptions.get('population', 'person')).toBeUndefined();
    });

    test('a description written again replaces the earlier one', async () => {
      const { descriptions, write } = await subject.make();
      await write('population', 'persons', OPENAPI);
      await write('population', 'persons', { ...OPENAPI, info: { ...OPENAPI.info, version: '2.0.0' } });
      expect(await descriptions.get('population', 'persons')).toMatchObject({ info: { version: '2.0.0' } });
    });

    const unavailable = subject.unavailable;
    if (unavailable) {
      test('a store that is down is StoreUnavailableError (gateway-config), not “no description”', async () => {
        await expectStoreUnavailable(unavailable().get('population', 'persons'), 'gateway-config');
      });
    }
  });
}
