import { generateKeyPairSync, sign, verify } from 'node:crypto';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { joinProofBytes } from '../../../lambdas/core/central/join-request';
import { registrationProperties } from '../../../lambdas/deployment-contract';
import { createRegistrationHandler, type RegistrationDeps } from '../../../lambdas/gateway/registrar-resource';
import { gatewayRegistration } from '../../../lib/config/runtime-settings';
import { gatewayConfigOf } from '../../../lib/config/ecosystem-config';
import { demoConfig } from '../../support/synth';

const config = demoConfig();
const agency = config.agencies[0];
const keyPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicKey = keyPair.publicKey.export({ format: 'der', type: 'spki' });
/** What the construct writes and CloudFormation passes (with its ServiceToken). */
const properties = {
  ServiceToken: 'arn:aws:lambda:eu-north-1:222222222222:function:framework',
  ...registrationProperties({
    registration: gatewayRegistration(gatewayConfigOf(config, agency)),
    providerUrl: 'https://provider.test/prod/',
    signingKeyId: 'arn:aws:kms:eu-north-1:222222222222:key/1234',
    centralUrl: 'https://central.test/prod/',
    centralRegion: 'eu-north-1',
  }),
};
const event = (RequestType: 'Create' | 'Update' | 'Delete', ResourceProperties: Record<string, unknown> = properties) =>
  ({
    RequestType,
    ResourceProperties,
    PhysicalResourceId: 'DEV/GOV/70000001/population-registry',
    LogicalResourceId: 'Registration',
    StackId: 'stack',
    RequestId: 'r',
    ResponseURL: 'https://s3',
    ResourceType: 'Custom::SildGatewayRegistration',
    ServiceToken: properties.ServiceToken,
  }) as unknown as CloudFormationCustomResourceEvent;

function fakes() {
  const calls: { keyIds: string[]; joins: Parameters<RegistrationDeps['join']>[] } = { keyIds: [], joins: [] };
  const deps: RegistrationDeps = {
    signer: (keyId) => {
      calls.keyIds.push(keyId);
      return { publicKey: async () => publicKey, sign: async (message) => sign('sha256', message, keyPair.privateKey) };
    },
    join: async (request, options) => {
      calls.joins.push([request, options]);
      return { agency: request.agency, member: request.member.id, gateway: request.gateway.id, keyIds: ['key-1'] };
    },
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
  };
  return { calls, deps };
}

describe('registration custom resource handler', () => {
  test.each(['Create', 'Update'] as const)('%s joins with the KMS public key and the registration, signed for the central Region', async (type) => {
    const { calls, deps } = fakes();
    const result = await createRegistrationHandler(deps)(event(type));
    expect(calls.keyIds).toEqual([properties.SigningKeyId]);
    const [[request, options]] = calls.joins;
    const { signedAt, proofs, ...unsigned } = request;
    expect(unsigned).toEqual({
      agency: 'population-registry',
      member: { id: 'DEV/GOV/70000001' },
      subsystems: ['population'],
      services: [
        { subsystem: 'population', code: 'persons' },
        { subsystem: 'population', code: 'getPerson' },
      ],
      gateway: { id: 'DEV/GOV/70000001/population-registry', providerUrl: properties.ProviderUrl, publicKeys: [publicKey.toString('base64')] },
    });
    // Proof of possession: the gateway key signed exactly this request.
    expect(verify('sha256', joinProofBytes(unsigned, signedAt), keyPair.publicKey, Buffer.from(proofs[0], 'base64'))).toBe(true);
    expect(options).toMatchObject({ centralUrl: properties.CentralUrl, region: 'eu-north-1', credentials: deps.credentials });
    expect(result).toEqual({
      PhysicalResourceId: 'DEV/GOV/70000001/population-registry',
      Data: { Gateway: 'DEV/GOV/70000001/population-registry', KeyId: 'key-1' },
    });
  });

  test('during a rotation it registers every published key, each signing the join', async () => {
    const { calls, deps } = fakes();
    await createRegistrationHandler(deps)(event('Update', { ...properties, PublishedKeyIds: 'arn:key/old,arn:key/new' }));
    expect(calls.keyIds).toEqual(['arn:key/old', 'arn:key/new']);
    const [[request]] = calls.joins;
    expect(request.gateway.publicKeys).toHaveLength(2);
    expect(request.proofs).toHaveLength(2);
  });

  test('Delete leaves the registry alone (unregistering is an operator decision)', async () => {
    const { calls, deps } = fakes();
    expect(await createRegistrationHandler(deps)(event('Delete'))).toEqual({ PhysicalResourceId: 'DEV/GOV/70000001/population-registry' });
    expect(calls).toEqual({ keyIds: [], joins: [] });
  });

  test('missing properties fail the deployment with their names; a malformed one is named with the reason', async () => {
    const { deps } = fakes();
    const { CentralUrl: _omitted, GatewayId: _gateway, ...rest } = properties;
    await expect(createRegistrationHandler(deps)(event('Create', rest))).rejects.toThrow('Missing registration properties: GatewayId, CentralUrl');
    await expect(createRegistrationHandler(deps)(event('Create', { ...properties, Services: ['persons'] }))).rejects.toThrow(
      'Invalid registration property Services.0: must be SUBSYSTEM/CODE',
    );
  });

  test('a gateway offering no service joins with none, also when CloudFormation leaves the empty list out', async () => {
    const { calls, deps } = fakes();
    const { Services: _none, ...withoutServices } = properties;
    await createRegistrationHandler(deps)(event('Update', withoutServices));
    expect(calls.joins[0][0].services).toEqual([]);
  });

  test('properties of the earlier form (the whole settings JSON) still join the same: a failed update rolls the resource back to them while this code runs', async () => {
    const current = fakes();
    await createRegistrationHandler(current.deps)(event('Update'));
    const earlier = fakes();
    const settings = {
      instance: 'DEV',
      gatewayId: 'DEV/GOV/70000001/population-registry',
      member: 'DEV/GOV/70000001',
      subsystems: ['population'],
      services: [
        { subsystem: 'population', code: 'persons', backendUrl: 'http://127.0.0.1:4080/persons', timeoutMs: 25000 },
        { subsystem: 'population', code: 'getPerson', backendUrl: 'http://127.0.0.1:4080/soap/population', timeoutMs: 25000 },
      ],
    };
    const { ServiceToken, ProviderUrl, SigningKeyId, CentralUrl, CentralRegion } = properties;
    await createRegistrationHandler(earlier.deps)(
      event('Update', {
        ServiceToken,
        Agency: agency.name,
        MemberName: agency.member.name,
        Settings: JSON.stringify(settings),
        ProviderUrl,
        SigningKeyId,
        CentralUrl,
        CentralRegion,
      }),
    );
    const unsigned = (calls: typeof current.calls) => ({ ...calls.joins[0][0], signedAt: undefined, proofs: undefined });
    expect(unsigned(earlier.calls)).toEqual(unsigned(current.calls));
    await expect(
      createRegistrationHandler(earlier.deps)(event('Update', { ...properties, MemberId: undefined, Settings: '{"member":"DEV/GOV/70000001"}' })),
    ).rejects.toThrow(/Invalid registration property Settings: gatewayId/);
  });
});
