import { CENTRAL_ENVIRONMENT, centralEnvironment, GATEWAY_ENVIRONMENT, gatewayEnvironment, readCentralDeployment, readGatewayDeployment } from '../../lambdas/deployment-contract';

const settings = {
  instance: 'DEV',
  gatewayId: 'DEV/GOV/70000001/population-registry',
  member: 'DEV/GOV/70000001',
  subsystems: ['population'],
  services: [{ subsystem: 'population', code: 'persons', backendUrl: 'https://backend.example/persons' }],
  centralUrl: 'https://central.example/prod',
  anchor: { instance: 'DEV', publicKey: 'AAAA' },
};
const deployment = { settings, signingKeyId: 'arn:aws:kms:eu-north-1:222222222222:key/1', messageLogTable: 'log', logRetentionDays: 30, bodyBucket: 'bodies' };

describe('the deployment contract', () => {
  test('what a deployer writes is what the function reads, with the settings validated and their defaults filled in', () => {
    const env = gatewayEnvironment(deployment);
    expect(Object.keys(env).sort()).toEqual(Object.values(GATEWAY_ENVIRONMENT).sort());
    const read = readGatewayDeployment(env);
    expect(read).toMatchObject({ signingKeyId: deployment.signingKeyId, messageLogTable: 'log', logRetentionDays: 30, bodyBucket: 'bodies' });
    expect(read.settings).toMatchObject({ ...settings, services: [{ ...settings.services[0], timeoutMs: 25_000 }], signing: { mode: 'session', sessionValiditySeconds: 3600 } });
  });

  test('a missing or malformed variable is named', () => {
    const env = gatewayEnvironment(deployment);
    expect(() => readGatewayDeployment({ ...env, [GATEWAY_ENVIRONMENT.bodyBucket]: undefined })).toThrow('Environment variable SILD_BODY_BUCKET is not set');
    expect(() => readGatewayDeployment({ ...env, [GATEWAY_ENVIRONMENT.settings]: '{' })).toThrow(/SILD_GATEWAY_SETTINGS is not valid JSON/);
    expect(() => readGatewayDeployment({ ...env, [GATEWAY_ENVIRONMENT.settings]: JSON.stringify({ ...settings, gatewayId: 1 }) })).toThrow(/gatewayId/);
    expect(() => readGatewayDeployment({ ...env, [GATEWAY_ENVIRONMENT.logRetentionDays]: 'soon' })).toThrow(/SILD_LOG_RETENTION_DAYS must be a whole number/);
  });

  test('the central function reads what the central deployer writes', () => {
    const env = centralEnvironment({ settings: { instance: 'DEV', memberClasses: ['GOV'] }, signingKeyId: 'key', registryTable: 'registry', configurationBucket: 'bucket' });
    expect(Object.keys(env).sort()).toEqual(Object.values(CENTRAL_ENVIRONMENT).sort());
    expect(readCentralDeployment(env)).toMatchObject({ settings: { instance: 'DEV', memberClasses: ['GOV'], validitySeconds: 600 }, signingKeyId: 'key', registryTable: 'registry', configurationBucket: 'bucket' });
    expect(() => readCentralDeployment({ ...env, [CENTRAL_ENVIRONMENT.settings]: '{"instance":1}' })).toThrow(/SILD_CENTRAL_SETTINGS at instance/);
  });
});
