/**
 * SOAP loads on its first message: the shell on the seam claims `POST /` and carries SOAP's route and reserved codes,
 * and a REST exchange through both gateways never evaluates SOAP's implementation nor its XML parser (sax) — the cold
 * start of a REST-only container does not pay for them. The first SOAP message loads both and is answered as SOAP.
 */
import { PROTOCOLS } from '../../../../../../lambdas/core/exchange/protocols/registry';
import { soapProtocol } from '../../../../../../lambdas/core/exchange/protocols/soap/protocol';
import { SOAP_METADATA_SERVICES } from '../../../../../../lambdas/core/exchange/protocols/metadata-services';
import type * as Ecosystem from '../../../../../support/memory-ecosystem';

const IMPLEMENTATION = '../../../../../../lambdas/core/exchange/protocols/soap/implementation';

describe('SOAP, loaded on first use', () => {
  test('the shell answers what every request asks without the implementation: claims POST /, its route, its reserved codes', () => {
    expect(PROTOCOLS[0]).toBe(soapProtocol);
    expect(soapProtocol.claims({ method: 'POST', rawPath: '/', rawQuery: '', headers: {} })).toBe(true);
    expect(soapProtocol.claims({ method: 'GET', rawPath: '/', rawQuery: '', headers: {} })).toBe(false);
    expect(soapProtocol.claims({ method: 'POST', rawPath: '/r1/TEST/GOV/1001/registry/persons', rawQuery: '', headers: {} })).toBe(false);
    expect(soapProtocol.routes).toEqual([{ method: 'POST', path: '/' }]);
    expect(soapProtocol.metadataServices).toBe(SOAP_METADATA_SERVICES);
  });

  test('the shell passes every call of the seam on to the implementation', () => {
    const { soapMessages } =
      jest.requireActual<typeof import('../../../../../../lambdas/core/exchange/protocols/soap/implementation')>(IMPLEMENTATION);
    const delegated = Object.keys(soapProtocol).filter(
      (key) => typeof soapProtocol[key as keyof typeof soapProtocol] === 'function' && key !== 'claims',
    );
    expect(delegated.sort()).toEqual(Object.keys(soapMessages).sort());
  });

  test('a REST exchange evaluates neither the SOAP implementation nor sax; the first SOAP message loads them and gets a SOAP fault', async () => {
    const loaded: string[] = [];
    jest.doMock(IMPLEMENTATION, () => {
      loaded.push('soap');
      return jest.requireActual(IMPLEMENTATION);
    });
    jest.doMock('sax', () => {
      loaded.push('sax');
      return jest.requireActual('sax');
    });
    await jest.isolateModulesAsync(async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startMemoryEcosystem, PERSONS } = require('../../../../../support/memory-ecosystem') as typeof Ecosystem;
      const ecosystem = await startMemoryEcosystem();
      const rest = await ecosystem.call(PERSONS);
      expect(rest.status).toBe(200);
      const refused = await ecosystem.call('/r1/TEST/GOV/1001/registry/nothing');
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(loaded).toEqual([]);

      const soap = await ecosystem.call('/', { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body: '<not-soap/>' });
      expect(loaded).toEqual(['soap', 'sax']);
      expect(soap.status).toBe(200);
      expect(soap.body.toString('utf8')).toContain('<faultcode>Client.InvalidSoap</faultcode>');
    });
    jest.dontMock(IMPLEMENTATION);
    jest.dontMock('sax');
  });
});
