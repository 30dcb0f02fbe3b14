/**
 * GatewayRegistration promises the deploy-time join of a gateway: a custom resource carrying exactly what the join
 * sends and where to (so a change of what the central publishes, of the key, provider URL or central re-runs it, and
 * nothing else does), run by a registrar that may
 * sign with the gateway's key and invoke only the central `POST /join` — pinned to the central API, stage and account
 * as far as the config tells them — and a provider framework with its own role and log group.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { GatewayRegistration, type GatewayRegistrationProps } from '../../../lib/constructs/gateway-registration';
import { SigningKey } from '../../../lib/constructs/signing-key';
import { constructStack, IDS, resourceAt } from '../../support/synth';

const REGISTRATION = {
  agency: 'tax-board',
  member: 'DEV/GOV/70000002',
  gatewayId: 'DEV/GOV/70000002/tax-board',
  subsystems: ['tax-records'],
  services: [{ subsystem: 'tax-records', code: 'declarations' }],
};
const PROVIDER_URL = 'https://p1r2o3v4i5.execute-api.eu-north-1.amazonaws.com/prod/';

function registration(props: Partial<GatewayRegistrationProps> = {}) {
  const { stack } = constructStack();
  const signingKey = new SigningKey(stack, 'SigningKey', {
    alias: 'sild/DEV/gateway/tax-board',
    description: 'Sild DEV: gateway tax-board signs its messages',
  });
  new GatewayRegistration(stack, 'Registration', {
    registration: REGISTRATION,
    signingKey,
    providerUrl: PROVIDER_URL,
    centralUrl: IDS.centralUrl,
    centralAccount: '111111111111',
    centralRegion: 'eu-north-1',
    ...props,
  });
  const json = Template.fromStack(stack).toJSON();
  const at = (suffix: string) => resourceAt(json, suffix);
  const arnOf = (suffix: string) => ({ 'Fn::GetAtt': [at(suffix).logicalId, 'Arn'] });
  const statementsOf = (role: string) => at(`/Registration/${role}/DefaultPolicy/Resource`).resource.Properties.PolicyDocument.Statement;
  return { json, at, arnOf, statementsOf };
}

describe('GatewayRegistration', () => {
  const registered = registration();

  test('the custom resource carries the join (agency, member, gateway, subsystems, service ids), provider URL, key and central, so a change of any re-runs the join', () => {
    const { resource } = registered.at('/Registration/Resource/Default');
    expect(resource.Type).toBe('Custom::SildGatewayRegistration');
    expect(resource.Properties).toEqual({
      ServiceToken: registered.arnOf('/Registration/Provider/framework-onEvent/Resource'),
      ServiceTimeout: '600',
      Agency: 'tax-board',
      MemberId: 'DEV/GOV/70000002',
      GatewayId: 'DEV/GOV/70000002/tax-board',
      Subsystems: ['tax-records'],
      Services: ['tax-records/declarations'],
      ProviderUrl: PROVIDER_URL,
      SigningKeyId: registered.arnOf('/SigningKey/Key/Resource'),
      CentralUrl: IDS.centralUrl,
      CentralRegion: 'eu-north-1',
    });
  });

  test('the registrar may write its own logs, sign with the gateway key (proof of possession) and invoke only POST /join of the central API', () => {
    expect(registered.statementsOf('RegistrarRole')).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: registered.arnOf('/Registration/RegistrarLogs/Resource') },
      { Effect: 'Allow', Action: ['kms:GetPublicKey', 'kms:Sign'], Resource: registered.arnOf('/SigningKey/Key/Resource') },
      { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:eu-north-1:111111111111:abc123defg/prod/POST/join' },
    ]);
    expect(registered.at('/Registration/RegistrarRole/Resource').resource.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test.each([
    ['an execute-api URL without the central account', { centralAccount: undefined }, 'arn:aws:execute-api:eu-north-1:*:abc123defg/prod/POST/join'],
    ['a custom-domain URL', { centralUrl: 'https://central.sild.example.gov/prod/' }, 'arn:aws:execute-api:eu-north-1:111111111111:*/*/POST/join'],
    ['another central Region', { centralRegion: 'eu-west-1' }, 'arn:aws:execute-api:eu-west-1:111111111111:abc123defg/prod/POST/join'],
  ] as const)('with %s the invoke permission is still only POST /join, pinned as far as known', (_case, props, arn) => {
    const invokes = registration(props)
      .statementsOf('RegistrarRole')
      .filter((statement: { Action: string }) => String(statement.Action).startsWith('execute-api:'));
    expect(invokes).toEqual([{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: arn }]);
  });

  test('the registrar is a Sild function of 256 MB and 60 s reserving no concurrency (a new account can reserve none)', () => {
    const properties = registered.at('/Registration/Registrar/Resource').resource.Properties;
    expect(properties).toMatchObject({
      Runtime: 'nodejs24.x',
      MemorySize: 256,
      Timeout: 60,
      Description: 'Sild: registers gateway tax-board with the central registry (custom resource)',
    });
    expect(properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('the provider framework may write its own logs and invoke (and read) the registrar only; no managed policy', () => {
    const registrar = registered.arnOf('/Registration/Registrar/Resource');
    const statements = registered.statementsOf('FrameworkRole');
    expect(statements[0]).toEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: registered.arnOf('/Registration/FrameworkLogs/Resource'),
    });
    for (const statement of statements.slice(1)) {
      expect([statement.Action].flat().every((action: string) => ['lambda:InvokeFunction', 'lambda:GetFunction'].includes(action))).toBe(true);
      expect([statement.Resource].flat()).toEqual(expect.arrayContaining([registrar]));
      for (const resource of [statement.Resource].flat()) expect(JSON.stringify(resource)).toContain(registrar['Fn::GetAtt'][0]);
    }
    expect(registered.at('/Registration/FrameworkRole/Resource').resource.Properties.ManagedPolicyArns).toBeUndefined();
    expect(registered.at('/Registration/Provider/framework-onEvent/Resource').resource.Properties.LoggingConfig.LogGroup).toEqual({
      Ref: registered.at('/Registration/FrameworkLogs/Resource').logicalId,
    });
  });

  test('both log groups are kept three months by default; logRetention applies to both', () => {
    const retention = (at: ReturnType<typeof registration>['at']) =>
      ['RegistrarLogs', 'FrameworkLogs'].map((name) => at(`/Registration/${name}/Resource`).resource.Properties.RetentionInDays);
    expect(retention(registered.at)).toEqual([90, 90]);
    expect(retention(registration({ logRetention: logs.RetentionDays.ONE_YEAR }).at)).toEqual([365, 365]);
  });
});
