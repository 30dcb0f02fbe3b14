import {
  CENTRAL_ENVIRONMENT,
  centralEnvironment,
  GATEWAY_ENVIRONMENT,
  gatewayEnvironment,
  readCentralDeployment,
  readGatewayDeployment,
  readRegistrationProperties,
  registrationProperties,
} from '../../lambdas/deployment-contract';

const settings = {
  instance: 'DEV',
  gatewayId: 'DEV/GOV/70000001/population-registry',
  member: 'DEV/GOV/70000001',
  subsystems: ['population'],
  centralUrl: 'https://central.example/prod',
  anchor: { instance: 'DEV', publicKey: 'AAAA' },
};
const deployment = {
  settings,
  signingKeyId: 'arn:aws:kms:eu-north-1:222222222222:key/1',
  messageLogTable: 'log',
  logRetentionDays: 30,
  bodyBucket: 'bodies',
};

describe('the deployment contract', () => {
  test('what a deployer writes is what the function reads, with the settings validated and their defaults filled in', () => {
    const env = gatewayEnvironment(deployment);
    // SILD_PUBLISHED_KEY_IDS only while a rotation publishes more than the signing key.
    expect(Object.keys(env).sort()).toEqual(
      Object.values(GATEWAY_ENVIRONMENT)
        .filter((name) => name !== GATEWAY_ENVIRONMENT.publishedKeys)
        .sort(),
    );
    const read = readGatewayDeployment(env);
    expect(read).toMatchObject({ signingKeyId: deployment.signingKeyId, messageLogTable: 'log', logRetentionDays: 30, bodyBucket: 'bodies' });
    expect(read.settings).toMatchObject({ ...settings, providerTimeoutMs: 28_000, signing: { mode: 'session', sessionValiditySeconds: 3600 } });
  });

  test('a missing or malformed variable is named', () => {
    const env = gatewayEnvironment(deployment);
    expect(() => readGatewayDeployment({ ...env, [GATEWAY_ENVIRONMENT.bodyBucket]: undefined })).toThrow(
      'Environment variable SILD_BODY_BUCKET is not set',
    );
    expect(() => readGatewayDeployment({ ...env, [GATEWAY_ENVIRONMENT.settings]: '{' })).toThrow(/SILD_GATEWAY_SETTINGS is not valid JSON/);
    expect(() => readGatewayDeployment({ ...env, [GATEWAY_ENVIRONMENT.settings]: JSON.stringify({ ...settings, gatewayId: 1 }) })).toThrow(
      /gatewayId/,
    );
    expect(() => readGatewayDeployment({ ...env, [GATEWAY_ENVIRONMENT.logRetentionDays]: 'soon' })).toThrow(
      /SILD_LOG_RETENTION_DAYS must be a whole number/,
    );
  });

  test('the central function reads what the central deployer writes', () => {
    const env = centralEnvironment({
      settings: { instance: 'DEV', memberClasses: ['GOV'] },
      signingKeyId: 'key',
      registryTable: 'registry',
      configurationBucket: 'bucket',
    });
    expect(Object.keys(env).sort()).toEqual(
      Object.values(CENTRAL_ENVIRONMENT)
        .filter((name) => name !== CENTRAL_ENVIRONMENT.publishedKeys)
        .sort(),
    );
    expect(readCentralDeployment(env)).toMatchObject({
      settings: { instance: 'DEV', memberClasses: ['GOV'], validitySeconds: 600 },
      signingKeyId: 'key',
      registryTable: 'registry',
      configurationBucket: 'bucket',
    });
    expect(() => readCentralDeployment({ ...env, [CENTRAL_ENVIRONMENT.settings]: '{"instance":1}' })).toThrow(/SILD_CENTRAL_SETTINGS at instance/);
  });

  test('during a rotation the published keys travel beside the signing key; a list without the signing key is refused', () => {
    const rotating = { ...deployment, publishedKeyIds: ['arn:aws:kms:eu-north-1:222222222222:key/1', 'arn:aws:kms:eu-north-1:222222222222:key/2'] };
    const env = gatewayEnvironment(rotating);
    expect(env[GATEWAY_ENVIRONMENT.publishedKeys]).toBe(rotating.publishedKeyIds.join(','));
    expect(readGatewayDeployment(env).publishedKeyIds).toEqual(rotating.publishedKeyIds);
    expect(readGatewayDeployment(gatewayEnvironment(deployment)).publishedKeyIds).toEqual([deployment.signingKeyId]);
    expect(() => readGatewayDeployment({ ...env, [GATEWAY_ENVIRONMENT.signingKey]: 'arn:aws:kms:eu-north-1:222222222222:key/3' })).toThrow(
      /SILD_PUBLISHED_KEY_IDS must list the signing key/,
    );
    const central = centralEnvironment({
      settings: { instance: 'DEV', memberClasses: ['GOV'] },
      signingKeyId: 'new',
      publishedKeyIds: ['old', 'new'],
      registryTable: 'registry',
      configurationBucket: 'bucket',
    });
    expect(readCentralDeployment(central).publishedKeyIds).toEqual(['old', 'new']);
  });

  test('the registration resource reads back the registration the agency stack deployed, as CloudFormation passes its properties', () => {
    const registration = {
      agency: 'population-registry',
      member: 'DEV/GOV/70000001',
      gatewayId: 'DEV/GOV/70000001/population-registry',
      subsystems: ['population'],
      services: [{ subsystem: 'population', code: 'persons' }],
    };
    const deployed = {
      registration,
      providerUrl: 'https://provider.example/prod/',
      signingKeyId: 'key/2',
      centralUrl: 'https://central.example/prod/',
      centralRegion: 'eu-north-1',
    };
    // CloudFormation adds its ServiceToken beside the properties.
    const passed = (properties: object) => ({ ServiceToken: 'arn:aws:lambda:eu-north-1:222222222222:function:framework', ...properties });
    expect(readRegistrationProperties(passed(registrationProperties(deployed)))).toEqual({ ...deployed, publishedKeyIds: ['key/2'] });
    const rotating = { ...deployed, publishedKeyIds: ['key/1', 'key/2'] };
    expect(readRegistrationProperties(passed(registrationProperties(rotating)))).toEqual(rotating);
  });
});
