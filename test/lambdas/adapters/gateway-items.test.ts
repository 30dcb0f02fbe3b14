/**
 * What the agency stack writes into a gateway's table (from the config, as its custom resources put it) is what the
 * gateway adapters read — the WSDLs as text — the access policy through its schema, with its defaults; the signing key ring the operator
 * writes reads back as written; a malformed item is refused as before; items stored before the kinds still read.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ACCESS_POLICY_ITEM, serviceDescriptionItem, serviceWsdlItem, SIGNING_KEYS_ITEM } from '../../../lambdas/adapters/gateway-items';
import type { AttributeValueItem } from '../../../lambdas/adapters/item-kind';
import { CONFIG_PK, KEYS_PK } from '../../../lambdas/adapters/tables';
import { accessPolicySchema } from '../../../lambdas/core/exchange/settings';
import { gatewayConfigOf } from '../../../lib/config/ecosystem-config';
import { accessPolicy, serviceDescriptions, serviceWsdls } from '../../../lib/config/runtime-settings';
import { demoConfig } from '../../support/synth';

/** The item as the adapter's `GetCommand` returns it after the custom resource's `putItem`. */
const stored = (item: AttributeValueItem) => unmarshall(item);

const config = demoConfig();
const agency = gatewayConfigOf(config, config.agencies[0]);

describe('gateway items', () => {
  test('the access policy reads back as the deployment derived it, with the schema’s defaults filled in', () => {
    const policy = accessPolicy(agency);
    const item = ACCESS_POLICY_ITEM.write(policy);
    expect(item.policy).toEqual({ S: JSON.stringify(policy) });
    expect(ACCESS_POLICY_ITEM.read(stored(item))).toEqual(accessPolicySchema.parse(policy));
    expect(ACCESS_POLICY_ITEM.read(stored(item)).accessRights.length).toBeGreaterThan(0);
  });

  test('a stored access policy the schema refuses is refused, naming the field', () => {
    const item = { pk: 'CONFIG', sk: 'ACCESS-POLICY', policy: '{"accessRights":[],"maintenance":{}}' };
    expect(() => ACCESS_POLICY_ITEM.read(item)).toThrow(/maintenance/);
    expect(() => ACCESS_POLICY_ITEM.read({ ...item, policy: 'deny' })).toThrow(SyntaxError);
  });

  test('each service description is its own item and reads back as the document the deployment read', () => {
    const descriptions = serviceDescriptions(agency);
    expect(descriptions.length).toBeGreaterThan(0);
    for (const { subsystem, code, document } of descriptions) {
      const kind = serviceDescriptionItem(subsystem, code);
      expect(kind.key).toEqual({ pk: 'CONFIG', sk: `OPENAPI#${subsystem}/${code}` });
      expect(kind.read(stored(kind.write(document)))).toEqual(document);
    }
  });

  test('each SOAP service’s WSDL is its own item and reads back as the text the deployment read', () => {
    const wsdls = serviceWsdls(agency);
    expect(wsdls.map(({ subsystem, code }) => `${subsystem}/${code}`)).toEqual(['population/getPerson']);
    for (const { subsystem, code, text } of wsdls) {
      const kind = serviceWsdlItem(subsystem, code);
      expect(kind.key).toEqual({ pk: 'CONFIG', sk: `WSDL#${subsystem}/${code}` });
      expect(kind.read(stored(kind.write(text)))).toBe(text);
    }
  });

  test('the access policy names a SOAP service’s type and version, a REST service’s as before, and reads them back (REST by default)', () => {
    const policy = accessPolicy(agency);
    expect(policy.services).toEqual([
      { subsystem: 'population', code: 'persons', backendUrl: 'http://127.0.0.1:4080/persons', timeoutMs: undefined },
      {
        subsystem: 'population',
        code: 'getPerson',
        type: 'soap',
        version: 'v1',
        backendUrl: 'http://127.0.0.1:4080/soap/population',
        timeoutMs: undefined,
      },
    ]);
    expect(ACCESS_POLICY_ITEM.read(stored(ACCESS_POLICY_ITEM.write(policy))).services.map((service) => [service.type, service.version])).toEqual([
      ['rest', undefined],
      ['soap', 'v1'],
    ]);
    expect(Object.keys(policy.endpoints ?? {})).toEqual(['population/persons']);
  });

  test('the signing key ring reads back as the rotation wrote it; a ring without a published key is refused', () => {
    const ring = {
      current: 'key-2',
      published: ['key-1', 'key-2'],
      rotation: { stage: 'published' as const, previous: 'key-1', next: 'key-2', at: '2026-01-01T00:00:00.000Z' },
      retired: [],
    };
    expect(SIGNING_KEYS_ITEM.read(stored(SIGNING_KEYS_ITEM.write(ring)))).toEqual(ring);
    expect(() => SIGNING_KEYS_ITEM.read({ pk: 'KEYS', sk: 'SIGNING', ring: '{"current":"key-1","published":[]}' })).toThrow(/published/);
  });

  test('items written before still read (same keys and attributes), and are in the partitions the functions may only read', () => {
    expect(ACCESS_POLICY_ITEM.read({ pk: 'CONFIG', sk: 'ACCESS-POLICY', policy: '{"accessRights":[]}' })).toEqual({
      services: [],
      accessRights: [],
      localGroups: {},
      endpoints: {},
    });
    expect(SIGNING_KEYS_ITEM.read({ pk: 'KEYS', sk: 'SIGNING', ring: '{"current":"key-1","published":["key-1"]}' })).toEqual({
      current: 'key-1',
      published: ['key-1'],
      retired: [],
    });
    expect([ACCESS_POLICY_ITEM.key.pk, serviceDescriptionItem('a', 'b').key.pk, serviceWsdlItem('a', 'b').key.pk, SIGNING_KEYS_ITEM.key.pk]).toEqual([
      CONFIG_PK,
      CONFIG_PK,
      CONFIG_PK,
      KEYS_PK,
    ]);
  });
});
