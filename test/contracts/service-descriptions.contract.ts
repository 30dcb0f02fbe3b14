/**
 * The `ServiceDescriptions` contract (`lambdas/core/exchange/ports.ts`): a service's OpenAPI description and a SOAP
 * service's WSDL (text, byte for byte) as the deployment wrote them, per subsystem and service code; undefined when it
 * has none; a store that cannot be read is `StoreUnavailableError` (`gateway-config`) — never “no description”.
 */
import type { ServiceDescriptions } from '../../lambdas/core/exchange/ports';
import { expectStoreUnavailable } from './contract-support';

export interface ServiceDescriptionsSubject {
  /** Descriptions on a new table, and how the deployment writes one. */
  make(): Promise<{
    descriptions: ServiceDescriptions;
    write(subsystem: string, code: string, document: unknown): Promise<void>;
    writeWsdl(subsystem: string, code: string, text: string): Promise<void>;
  }>;
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

/** A WSDL's text as a deployment reads it from its file: a declaration, CRLF line ends, non-ASCII, entities. */
const WSDL =
  '<?xml version="1.0" encoding="UTF-8"?>\r\n<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xrd="http://x-road.eu/xsd/xroad.xsd">\r\n' +
  '  <wsdl:documentation>Rahvastikuregister — isikud &amp; "aadressid"</wsdl:documentation>\r\n' +
  '  <wsdl:binding name="b"><wsdl:operation name="getPerson"><xrd:version>v1</xrd:version></wsdl:operation></wsdl:binding>\r\n</wsdl:definitions>\n';

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

    test('a service without a WSDL: undefined', async () => {
      const { descriptions, write } = await subject.make();
      await write('population', 'getPerson', OPENAPI);
      expect(await descriptions.wsdl('population', 'getPerson')).toBeUndefined();
    });

    test('a WSDL reads back as the text written, byte for byte', async () => {
      const { descriptions, writeWsdl } = await subject.make();
      await writeWsdl('population', 'getPerson', WSDL);
      expect(await descriptions.wsdl('population', 'getPerson')).toBe(WSDL);
    });

    test('WSDLs are per subsystem and service code, apart from the OpenAPI descriptions; written again, the new one is read', async () => {
      const { descriptions, write, writeWsdl } = await subject.make();
      await writeWsdl('population', 'getPerson', WSDL);
      await write('population', 'persons', OPENAPI);
      expect(await descriptions.wsdl('population', 'persons')).toBeUndefined();
      expect(await descriptions.get('population', 'getPerson')).toBeUndefined();
      expect(await descriptions.wsdl('tax', 'getPerson')).toBeUndefined();
      await writeWsdl('population', 'getPerson', WSDL.replace('v1', 'v2'));
      expect(await descriptions.wsdl('population', 'getPerson')).toContain('<xrd:version>v2</xrd:version>');
    });

    const unavailable = subject.unavailable;
    if (unavailable) {
      test('a store that is down is StoreUnavailableError (gateway-config), not “no description”', async () => {
        await expectStoreUnavailable(unavailable().get('population', 'persons'), 'gateway-config');
        await expectStoreUnavailable(unavailable().wsdl('population', 'getPerson'), 'gateway-config');
      });
    }
  });
}
