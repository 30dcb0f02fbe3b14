/**
 * What the central stack writes into the registry (from the config, as its custom resources put it) is what the
 * registry adapter reads; the central key ring the operator writes reads back as written; and items stored before
 * the kinds were defined still read.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { generateKeyPairSync } from 'node:crypto';
import type { AttributeValueItem } from '../../../lambdas/adapters/item-kind';
import { CENTRAL_KEYS_ITEM, FEDERATED_INSTANCES_ITEM, GLOBAL_GROUPS_ITEM, JOIN_ALLOW_LIST_ITEM } from '../../../lambdas/adapters/registry-items';
import { CONFIG_PK, KEYS_PK } from '../../../lambdas/adapters/tables';
import { centralConfigOf } from '../../../lib/config/ecosystem-config';
import { federatedInstances, globalGroups, joinAllowList } from '../../../lib/config/runtime-settings';
import { configWith } from '../../support/synth';

/** The item as the registry's `GetCommand` returns it after the custom resource's `putItem`. */
const stored = (item: AttributeValueItem) => unmarshall(item);

const anchorPublicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const config = centralConfigOf(
  configWith((raw) => {
    raw.central.globalGroups = [{ code: 'security-servers', description: 'Every gateway', members: ['DEV/GOV/70000001/population'] }];
    raw.central.federation = [
      {
        instance: 'FI',
        anchorPublicKey,
        centralUrl: 'https://central.fi.example/prod/',
        configurationUrl: 'https://d111.cloudfront.net/globalconf/current.json',
      },
    ];
  }),
);

describe('registry items', () => {
  test('the join allow-list, the global groups and the federated instances read back as the deployment derived them from the config', () => {
    expect(JOIN_ALLOW_LIST_ITEM.read(stored(JOIN_ALLOW_LIST_ITEM.write(joinAllowList(config))))).toEqual(joinAllowList(config));
    expect(GLOBAL_GROUPS_ITEM.read(stored(GLOBAL_GROUPS_ITEM.write(globalGroups(config))))).toEqual(globalGroups(config));
    expect(FEDERATED_INSTANCES_ITEM.read(stored(FEDERATED_INSTANCES_ITEM.write(federatedInstances(config))))).toEqual(federatedInstances(config));
    expect(joinAllowList(config)).toHaveLength(3);
    expect(federatedInstances(config)).toEqual([expect.objectContaining({ instance: 'FI', centralUrl: 'https://central.fi.example/prod' })]);
  });

  test('the items are in the deployment’s partition, where the central function may read but not write', () => {
    for (const kind of [JOIN_ALLOW_LIST_ITEM, GLOBAL_GROUPS_ITEM, FEDERATED_INSTANCES_ITEM]) expect(kind.key.pk).toBe(CONFIG_PK);
    expect(CENTRAL_KEYS_ITEM.key.pk).toBe(KEYS_PK);
  });

  test('items a deployment wrote before still read (same keys and attributes)', () => {
    expect(
      JOIN_ALLOW_LIST_ITEM.read({
        pk: 'CONFIG',
        sk: 'JOIN-ALLOW-LIST',
        agencies: '[{"name":"tax-board","account":"222222222222","member":"DEV/GOV/70000002"}]',
      }),
    ).toEqual([{ name: 'tax-board', account: '222222222222', member: 'DEV/GOV/70000002' }]);
    expect(GLOBAL_GROUPS_ITEM.read({ pk: 'CONFIG', sk: 'GLOBAL-GROUPS', groups: '[]' })).toEqual([]);
    expect(FEDERATED_INSTANCES_ITEM.read({ pk: 'CONFIG', sk: 'FEDERATED-INSTANCES', instances: '[]' })).toEqual([]);
    expect(CENTRAL_KEYS_ITEM.read({ pk: 'KEYS', sk: 'CENTRAL', current: 'key-2', published: '["key-1","key-2"]' })).toEqual({
      current: 'key-2',
      published: ['key-1', 'key-2'],
    });
  });

  test('the central key ring keeps the signing key as a string and the published keys as JSON, and reads back as written', () => {
    const ring = {
      current: 'arn:aws:kms:eu-north-1:111111111111:key/2',
      published: ['arn:aws:kms:eu-north-1:111111111111:key/1', 'arn:aws:kms:eu-north-1:111111111111:key/2'],
    };
    const item = CENTRAL_KEYS_ITEM.write(ring);
    expect(item).toEqual({ pk: { S: 'KEYS' }, sk: { S: 'CENTRAL' }, current: { S: ring.current }, published: { S: JSON.stringify(ring.published) } });
    expect(CENTRAL_KEYS_ITEM.read(stored(item))).toEqual(ring);
  });

  test('a list that is not JSON is refused', () => {
    expect(() => JOIN_ALLOW_LIST_ITEM.read({ pk: 'CONFIG', sk: 'JOIN-ALLOW-LIST', agencies: 'tax-board' })).toThrow(SyntaxError);
  });
});
