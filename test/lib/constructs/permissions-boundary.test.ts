/**
 * `permissionsBoundary` (a gateway's and `central.permissionsBoundary`) promises a permissions boundary on every IAM
 * role the deployment creates — its functions', the registration's provider framework's, the AwsCustomResource
 * provider's (a stack-level singleton) and the API Gateway logging role — and none without it; a customer managed
 * policy of another account is refused at synth.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as path from 'node:path';
import { ConfigError } from '../../../lib/config/ecosystem-config';
import { SildCentral } from '../../../lib/constructs/sild-central';
import { SildGateway } from '../../../lib/constructs/sild-gateway';
import { thrownBy } from '../../support/assertions';
import { constructStack, minimalGatewayConfig, resourcesOfType, ROOT } from '../../support/synth';

const GATEWAY_BOUNDARY = 'arn:aws:iam::555555555555:policy/landing-zone/workload-boundary';
const CENTRAL_BOUNDARY = 'arn:aws:iam::111111111111:policy/workload-boundary';

/** Every role of the template, by its construct path, with its boundary. */
function boundaries(stack: Stack): Record<string, unknown> {
  const roles = resourcesOfType(Template.fromStack(stack).toJSON(), 'AWS::IAM::Role');
  return Object.fromEntries(Object.values(roles).map((role) => [role.Metadata['aws:cdk:path'], role.Properties.PermissionsBoundary]));
}

/** A gateway with every optional role: registration, a service description (a table item), the API Gateway logging role. */
function gatewayStack(permissionsBoundary?: string): Stack {
  const { stack } = constructStack();
  new SildGateway(stack, 'Gateway', {
    ...minimalGatewayConfig(),
    services: [{ subsystem: 'vehicles', code: 'persons', backendUrl: 'https://persons.example.gov/persons', openapi: 'persons.openapi.yaml' }],
    descriptionsDir: path.join(ROOT, 'config'),
    apiGatewayAccountRole: true,
    permissionsBoundary,
  });
  return stack;
}

function centralStack(permissionsBoundary?: string): Stack {
  const { app } = constructStack();
  const stack = new Stack(app, 'Central', { env: { account: '111111111111', region: 'eu-north-1' } });
  new SildCentral(stack, 'Central', {
    instance: 'EE',
    memberClasses: ['GOV'],
    central: { account: '111111111111', region: 'eu-north-1', apiGatewayAccountRole: true, permissionsBoundary },
    agencies: [{ name: 'vehicle-registry', account: '555555555555', member: { class: 'GOV', code: '70000009', name: 'Vehicle Registry' } }],
  });
  return stack;
}

describe('permissions boundary', () => {
  test.each([
    [
      'a gateway',
      gatewayStack,
      GATEWAY_BOUNDARY,
      [
        '/Gateway/Registration/FrameworkRole/Resource',
        '/Gateway/Registration/RegistrarRole/Resource',
        '/Gateway/ApiGatewayLogging/Role/Resource',
        '/Gateway/ProviderFunctionRole/Resource',
      ],
    ],
    [
      'the central',
      centralStack,
      CENTRAL_BOUNDARY,
      ['/Central/CentralFunctionRole/Resource', '/Central/PublisherFunctionRole/Resource', '/Central/ApiGatewayLogging/Role/Resource'],
    ],
  ] as const)('%s: every role carries it, the stack’s AwsCustomResource provider role included', (_what, build, arn, expected) => {
    const roles = boundaries(build(arn));
    for (const role of expected) expect(Object.keys(roles).some((at) => at.endsWith(role))).toBe(true);
    expect(Object.keys(roles).some((at) => /\/AWS679f53fac002430cb0da5b7982bd2287\/ServiceRole\/Resource$/.test(at))).toBe(true);
    expect(Object.entries(roles).filter(([, boundary]) => boundary !== arn)).toEqual([]);
  });

  test.each([
    ['a gateway', gatewayStack],
    ['the central', centralStack],
  ] as const)('without it, %s’s roles have none', (_what, build) => {
    expect(Object.values(boundaries(build())).filter((boundary) => boundary !== undefined)).toEqual([]);
  });

  test('an AWS managed policy may be the boundary', () => {
    const roles = boundaries(gatewayStack('arn:aws:iam::aws:policy/PowerUserAccess'));
    expect(new Set(Object.values(roles))).toEqual(new Set(['arn:aws:iam::aws:policy/PowerUserAccess']));
  });

  test.each([
    [
      'a customer managed policy of another account',
      'arn:aws:iam::999999999999:policy/boundary',
      /\n {2}permissionsBoundary: is a policy of account 999999999999; the roles deploy to 555555555555/,
    ],
    ['not a policy ARN', 'arn:aws:iam::555555555555:role/boundary', /\n {2}permissionsBoundary: must be an IAM managed policy ARN/],
  ])('%s is a ConfigError naming the field', (_case, arn, problem) => {
    const error = thrownBy(() => gatewayStack(arn));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(problem);
  });

  test('the central’s boundary of another account is a ConfigError naming central.permissionsBoundary', () => {
    expect((thrownBy(() => centralStack('arn:aws:iam::999999999999:policy/boundary')) as Error).message).toMatch(
      /\n {2}central\.permissionsBoundary: is a policy of account 999999999999; the roles deploy to 111111111111/,
    );
  });
});
