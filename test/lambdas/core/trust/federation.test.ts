/**
 * The configurations a gateway trusts across instances: its own, and a federated instance's only when its central
 * publishes the instance and the gateway opted in; one cache per instance, kept while the published entry is the
 * same and replaced when it changes (another anchor); keys looked up in the signer's own instance only.
 */
import { XRoadError } from '../../../../lambdas/core/kernel/errors';
import { FederatedConfigurations, keysByInstance } from '../../../../lambdas/core/trust/federation';
import {
  GLOBAL_CONFIGURATION_TYPE,
  GlobalConfiguration,
  type FederatedInstance,
  type GlobalConfigurationDocument,
} from '../../../../lambdas/core/trust/global-configuration';
import { rejectionOf } from '../../../support/assertions';

const FI: FederatedInstance = { instance: 'FI', anchorPublicKey: 'key-1', centralUrl: 'https://central.fi.example' };
const configuration = (instance: string, federatedInstances: FederatedInstance[] = [], key = 'k'): GlobalConfiguration => {
  const document: GlobalConfigurationDocument = {
    type: GLOBAL_CONFIGURATION_TYPE,
    instance,
    version: 1,
    generatedAt: '2026-11-27T00:00:00.000Z',
    expiresAt: '2026-11-27T00:10:00.000Z',
    memberClasses: ['GOV'],
    members: [{ id: `${instance}/GOV/1`, name: 'M', subsystems: ['s'] }],
    gateways: [
      {
        id: `${instance}/GOV/1/gw`,
        owner: `${instance}/GOV/1`,
        providerUrl: 'https://gw.example',
        clients: [`${instance}/GOV/1/s`],
        keys: [{ keyId: 'id', publicKey: key }],
      },
    ],
    services: [],
    globalGroups: [],
    centralKeyRotations: [],
    federatedInstances,
  };
  return new GlobalConfiguration(document, { document: JSON.stringify(document), header: '', signature: '' });
};

function setup(own: () => GlobalConfiguration, optIn: string[]) {
  const built: FederatedInstance[] = [];
  const trust = new FederatedConfigurations({
    own: { current: async () => own() },
    optIn,
    cacheFor: (entry) => {
      built.push(entry);
      return { current: async () => configuration(entry.instance) };
    },
  });
  return { trust, built };
}

test('the own instance is the own configuration; a federated one the opted-in gateway follows is its own', async () => {
  const own = configuration('DEV', [FI]);
  const { trust } = setup(() => own, ['FI']);
  expect(await trust.forInstance('DEV', 'Server.ClientProxy')).toBe(own);
  expect((await trust.forInstance('FI', 'Server.ClientProxy')).instance).toBe('FI');
});

test('an instance not federated, or not opted in, is UnknownMember from the given side, naming why', async () => {
  const { trust } = setup(() => configuration('DEV', [FI]), []);
  const notFederated = await rejectionOf(trust.forInstance('SE', 'Server.ClientProxy'));
  expect(notFederated).toBeInstanceOf(XRoadError);
  expect(notFederated).toMatchObject({ type: 'Server.ClientProxy.UnknownMember', message: 'Instance SE is not federated with DEV' });
  expect(await rejectionOf(trust.forInstance('FI', 'Server.ServerProxy'))).toMatchObject({
    type: 'Server.ServerProxy.UnknownMember',
    message: 'This gateway does not take part in the federation with FI',
  });
});

test('one cache per instance: kept across configurations publishing the same entry, replaced for another anchor', async () => {
  let own = configuration('DEV', [FI]);
  const { trust, built } = setup(() => own, ['FI']);
  await trust.forInstance('FI', 'Server.ClientProxy');
  own = configuration('DEV', [{ ...FI }]);
  await trust.forInstance('FI', 'Server.ClientProxy');
  expect(built).toHaveLength(1);
  own = configuration('DEV', [{ ...FI, anchorPublicKey: 'key-2' }]);
  await trust.forInstance('FI', 'Server.ClientProxy');
  expect(built.map((entry) => entry.anchorPublicKey)).toEqual(['key-1', 'key-2']);
});

test("keys are looked up in the signer's own instance only", () => {
  const keys = keysByInstance('DEV', configuration('DEV', [], 'dev-key'), new Map([['FI', configuration('FI', [], 'fi-key')]]));
  expect(keys.publicKey('DEV/GOV/1/gw', 'id')).toBe('dev-key');
  expect(keys.publicKey('FI/GOV/1/gw', 'id')).toBe('fi-key');
  expect(keys.publicKey('SE/GOV/1/gw', 'id')).toBeUndefined();
});
