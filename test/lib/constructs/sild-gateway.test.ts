/**
 * SildGateway promises an agency's whole gateway from the agency's own config, in any stack under any construct id:
 * the config validated when the construct is built (a ConfigError naming each bad field), the documented defaults
 * applied (no reserved concurrency, WAF at 3000 per IP, sealing every minute, 30-day log), and — once the
 * central URL and anchor are set — the registration with the central, after the provider side is live; until then
 * placeholders and a warning saying what is missing.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { ConfigError, gatewayConfigOf } from '../../../lib/config/ecosystem-config';
import { CENTRAL_PLACEHOLDERS, SildGateway, type SildGatewayProps } from '../../../lib/constructs/sild-gateway';
import { thrownBy } from '../../support/assertions';
import {
  constructStack,
  customResourceCall,
  demoConfig,
  IDS,
  minimalGatewayConfig,
  resourceAt,
  resourcesOfType,
  ROOT,
  signableKeysOf,
} from '../../support/synth';

/** An agency's own config with nothing optional set, the central known. */
const minimal = (): SildGatewayProps => minimalGatewayConfig();

function gateway(props: SildGatewayProps, options: { path?: string[]; stack?: (app: App) => Stack } = {}) {
  const { app, stack: defaultStack } = constructStack();
  const stack = options.stack ? options.stack(app) : defaultStack;
  const ids = options.path ?? ['Gateway'];
  const scope = ids.slice(0, -1).reduce<Construct>((parent, id) => new Construct(parent, id), stack);
  new SildGateway(scope, ids[ids.length - 1], props);
  const json = Template.fromStack(stack).toJSON();
  const at = (suffix: string) => resourceAt(json, suffix);
  return {
    app,
    stack,
    json,
    at,
    settingsOf: (fn: string) => JSON.parse(at(`/${fn}/Resource`).resource.Properties.Environment.Variables.SILD_GATEWAY_SETTINGS),
  };
}

const reservedConcurrency = (at: ReturnType<typeof gateway>['at']) =>
  ['ConsumerFunction', 'ProviderFunction', 'SealerFunction', 'CanaryFunction'].map(
    (fn) => at(`/${fn}/Resource`).resource.Properties.ReservedConcurrentExecutions,
  );
const wafLimits = (json: any) =>
  Object.values(resourcesOfType(json, 'AWS::WAFv2::WebACL')).map((acl) => acl.Properties.Rules[0].Statement.RateBasedStatement.Limit);

describe('SildGateway in a user’s stack', () => {
  test.each([[['Gateway']], [['VehicleRegistry-Gateway-2']], [['Platform', 'Sild', 'Gateway']]])(
    'works under the construct path %j: resources and outputs are namespaced by it, cdk-nag finds nothing unacknowledged',
    (ids) => {
      const config = demoConfig();
      const { app, json, at } = gateway(
        { ...gatewayConfigOf(config, config.agencies[0]), central: { url: IDS.centralUrl, anchor: IDS.anchor } },
        { path: ids },
      );
      const prefix = `Test/${ids.join('/')}`;
      expect(at('/SigningKey/Key/Resource').resource.Metadata['aws:cdk:path']).toBe(`${prefix}/SigningKey/Key/Resource`);
      expect(resourcesOfType(json, 'Custom::SildGatewayRegistration')).toEqual({
        [at('/Registration/Resource/Default').logicalId]: expect.anything(),
      });
      expect(Object.keys(json.Outputs)).toHaveLength(4);
      for (const output of Object.keys(json.Outputs)) expect(output.startsWith(ids.join('').replace(/[^A-Za-z0-9]/g, ''))).toBe(true);
      const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
      expect(
        report.violations.map(
          (violation) => `${violation.ruleName} at ${violation.violatingResources.map((resource) => resource.constructPath).join(', ')}`,
        ),
      ).toEqual([]);
    },
  );

  test('with the central URL and anchor it registers once the provider side is live, as the gateway its functions run as, and does not warn', () => {
    const { stack, json, at, settingsOf } = gateway(minimal());
    const { resource } = at('/Registration/Resource/Default');
    expect(resource.DependsOn).toContain(at('/ProviderApi/Api/DeploymentStage.prod/Resource').logicalId);
    expect(resource.Properties).toMatchObject({
      Agency: 'vehicle-registry',
      MemberId: 'EE/GOV/70000009',
      GatewayId: 'EE/GOV/70000009/vehicle-registry',
      Subsystems: ['vehicles'],
      Services: [],
      CentralUrl: IDS.centralUrl,
      CentralRegion: 'eu-north-1',
    });
    for (const fn of ['ConsumerFunction', 'ProviderFunction', 'SealerFunction']) {
      expect(settingsOf(fn)).toMatchObject({
        gatewayId: resource.Properties.GatewayId,
        member: resource.Properties.MemberId,
        subsystems: resource.Properties.Subsystems,
        centralUrl: IDS.centralUrl,
        anchor: { instance: 'EE', publicKey: IDS.anchor },
      });
    }
    expect(Object.keys(resourcesOfType(json, 'Custom::SildGatewayRegistration'))).toHaveLength(1);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('not set'))).toEqual([]);
  });

  test.each([
    ['central.url', { anchor: IDS.anchor }],
    ['central.anchor', { url: IDS.centralUrl }],
    ['central.url and central.anchor', {}],
  ] as const)('without %s: a warning naming what is missing, placeholders in the settings, and no registration', (missing, central) => {
    const { stack, json, settingsOf } = gateway({ ...minimal(), central });
    Annotations.fromStack(stack).hasWarning(
      '/Test/Gateway',
      Match.stringLikeRegexp(`^${missing} not set: gateway vehicle-registry gets placeholders and does not register with the central registry`),
    );
    expect(resourcesOfType(json, 'Custom::SildGatewayRegistration')).toEqual({});
    expect(settingsOf('ProviderFunction')).toMatchObject({
      centralUrl: 'url' in central ? central.url : CENTRAL_PLACEHOLDERS.centralUrl,
      anchor: { publicKey: 'anchor' in central ? central.anchor : CENTRAL_PLACEHOLDERS.anchorPublicKey },
    });
  });
});

describe('SildGateway registration: it joins again only when what the central publishes changes', () => {
  const SERVICE = { subsystem: 'vehicles', code: 'cars', backendUrl: 'https://cars.example.gov/v1' };
  const registrationOf = (props: SildGatewayProps) => gateway(props).at('/Registration/Resource/Default').resource.Properties;
  const before = registrationOf({ ...minimal(), services: [SERVICE] });

  test('the registration names the offered services by id, one list entry each', () => {
    expect(before.Services).toEqual(['vehicles/cars']);
  });

  test.each([
    ['a backend URL', { services: [{ ...SERVICE, backendUrl: 'https://cars-v2.example.gov/v2' }] }],
    ['a backend timeout', { services: [{ ...SERVICE, timeoutMs: 5000 }] }],
    ['maintenance mode', { services: [SERVICE], maintenance: { enabled: true, message: 'Upgrade until 12:00 UTC' } }],
    ['access rights', { services: [SERVICE], accessRights: [{ service: 'vehicles/cars', subject: 'EE/GOV/70000002/tax-records' }] }],
    [
      'signing, sealing and message-log settings',
      {
        services: [SERVICE],
        signing: { mode: 'kms', sessionValiditySeconds: 3600 },
        sealing: { intervalSeconds: 120, maxLagSeconds: 900 },
        messageLog: { mode: 'metadata' },
      },
    ],
  ] as [string, Partial<SildGatewayProps>][])('changing %s leaves its properties unchanged (the deploy needs no central)', (_change, change) => {
    expect(registrationOf({ ...minimal(), ...change })).toEqual(before);
  });

  test.each([
    ['a subsystem', { subsystems: ['vehicles', 'drivers'], services: [SERVICE] }, { Subsystems: ['vehicles', 'drivers'] }],
    ['a service id', { services: [{ ...SERVICE, code: 'trucks' }] }, { Services: ['vehicles/trucks'] }],
    ['the service list (one added)', { services: [SERVICE, { ...SERVICE, code: 'trucks' }] }, { Services: ['vehicles/cars', 'vehicles/trucks'] }],
  ] as [string, Partial<SildGatewayProps>, Record<string, unknown>][])(
    'changing %s changes them (the join runs again)',
    (_change, change, changed) => {
      expect(registrationOf({ ...minimal(), ...change })).toEqual({ ...before, ...changed });
    },
  );
});

describe('SildGateway backends a deployed gateway cannot reach, or reaches unencrypted: warnings (the demo still synthesizes)', () => {
  const warningsOf = (backendUrl: string) => {
    const { stack } = gateway({ ...minimal(), services: [{ subsystem: 'vehicles', code: 'cars', backendUrl }] });
    return Annotations.fromStack(stack)
      .findWarning('*', Match.stringLikeRegexp('^Service vehicles/cars'))
      .map((entry) => String(entry.entry.data));
  };

  test.each(['http://127.0.0.1:4080/cars', 'https://localhost/cars', 'http://[::1]:8080/cars'])(
    'a loopback backend (%s) warns that it cannot work in AWS',
    (url) => {
      expect(warningsOf(url)).toEqual([
        expect.stringMatching(
          /^Service vehicles\/cars of vehicle-registry: its backend .* is on a loopback address, which in AWS is the gateway function's own sandbox.* \[ack: @sild\/backend-loopback\]$/,
        ),
      ]);
    },
  );

  test('a plain-http backend elsewhere warns that it is unencrypted', () => {
    expect(warningsOf('http://cars.internal.example.gov/v1')).toEqual([
      expect.stringMatching(
        /^Service vehicles\/cars of vehicle-registry: its backend http:\/\/cars\.internal\.example\.gov\/v1 is plain HTTP.* \[ack: @sild\/backend-plain-http\]$/,
      ),
    ]);
  });

  test('an https backend on a routable address does not warn', () => {
    expect(warningsOf('https://cars.example.gov/v1')).toEqual([]);
  });

  test('the demo config (its sample backend on loopback) synthesizes, with that warning for each service (REST persons, SOAP getPerson)', () => {
    const config = demoConfig();
    const population = (app: App) => new Stack(app, 'Population', { env: { account: '222222222222', region: 'eu-north-1' } });
    const { stack } = gateway(
      { ...gatewayConfigOf(config, config.agencies[0]), central: { url: IDS.centralUrl, anchor: IDS.anchor } },
      { stack: population },
    );
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('@sild/backend-loopback'))).toHaveLength(2);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });
});

describe('SildGateway deployment target', () => {
  test('in the account and Region its config names: no error', () => {
    const { stack } = gateway(minimal());
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });

  test('in a stack of another account or Region: a synth error naming what the config says and where the stack deploys', () => {
    const { stack } = gateway({ ...minimal(), account: '222222222222', region: 'eu-west-1' });
    const errors = Annotations.fromStack(stack)
      .findError('*', Match.anyValue())
      .map((entry) => String(entry.entry.data));
    expect(errors).toEqual([
      expect.stringContaining('configured for account 222222222222 but its stack deploys to 555555555555'),
      expect.stringContaining('configured for region eu-west-1 but its stack deploys to eu-north-1'),
    ]);
  });
});

describe('SildGateway props', () => {
  test.each([
    ['name', { name: 'Vehicle Registry' }, /\n {2}name: must be lower-case letters, digits and dashes/],
    ['account', { account: '2222' }, /\n {2}account: must be a 12-digit AWS account id/],
    [
      'central.anchor',
      { central: { url: IDS.centralUrl, anchor: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE' } },
      /\n {2}central\.anchor: must be the central public key/,
    ],
    ['central.url', { central: { url: 'not a url' } }, /\n {2}central\.url: /],
    ['concurrency.sealer', { concurrency: { sealer: 0 } }, /\n {2}concurrency\.sealer: /],
    ['sealing.intervalSeconds', { sealing: { intervalSeconds: 90 } }, /\n {2}sealing\.intervalSeconds: must be a whole number of minutes/],
    ['waf.ratePer5Minutes', { waf: { ratePer5Minutes: 5 } }, /\n {2}waf\.ratePer5Minutes: /],
    ['providerApi', { providerApi: 'http' }, /\n {2}providerApi: an HTTP API cannot have an AWS WAF web ACL/],
    [
      'services.0.subsystem',
      { services: [{ subsystem: 'taxes', code: 'cars', backendUrl: 'https://cars.example.gov' }] },
      /\n {2}services\.0\.subsystem: not a subsystem of vehicle-registry/,
    ],
    [
      'accessRights.0.service',
      { accessRights: [{ service: 'vehicles/cars', subject: 'EE/GOV/70000002/tax-records' }] },
      /\n {2}accessRights\.0\.service: vehicles\/cars is not a service of vehicle-registry/,
    ],
    [
      'consumerAccess.principals.0.arn',
      { consumerAccess: { mode: 'iam', principals: [{ arn: 'tax-app', subsystems: ['vehicles'] }] } },
      /\n {2}consumerAccess\.principals\.0\.arn: must be an IAM role or user ARN/,
    ],
  ] as [string, Partial<SildGatewayProps>, RegExp][])(
    'an invalid %s throws a ConfigError naming the construct and the field',
    (_field, change, problem) => {
      const { stack } = constructStack();
      const error = thrownBy(() => new SildGateway(stack, 'Vehicles', { ...minimal(), ...change }));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^Invalid SildGateway Vehicles props:\n/);
      expect((error as Error).message).toMatch(problem);
    },
  );

  test('every problem is reported at once', () => {
    const { stack } = constructStack();
    const message = (thrownBy(() => new SildGateway(stack, 'Gateway', { ...minimal(), name: 'Vehicles', account: '1', subsystems: [] })) as Error)
      .message;
    expect(
      message
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(':')[0])
        .sort(),
    ).toEqual(['account', 'name', 'subsystems']);
  });

  test('defaults: no reserved concurrency, WAF at 3000 per IP on the provider side, sealing every minute, a 30-day log, stages at 500/1000', () => {
    const { json, at } = gateway(minimal());
    expect(reservedConcurrency(at)).toEqual([undefined, undefined, undefined, undefined]);
    expect(wafLimits(json)).toEqual([3000]);
    const [association] = Object.values(resourcesOfType(json, 'AWS::WAFv2::WebACLAssociation'));
    expect(JSON.stringify(association.Properties.ResourceArn)).toContain(at('/ProviderApi/Api/DeploymentStage.prod/Resource').logicalId);
    expect(at('/SealerSchedule/Resource').resource.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(at('/ConsumerFunction/Resource').resource.Properties.Environment.Variables.SILD_LOG_RETENTION_DAYS).toBe('30');
    expect(at('/BodyStore/Bucket/Resource').resource.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({
      Prefix: 'log/',
      ExpirationInDays: 31,
    });
    expect(at('/ConsumerApi/Api/DefaultStage/Resource').resource.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 500,
      ThrottlingBurstLimit: 1000,
    });
    expect(at('/ProviderApi/Api/DeploymentStage.prod/Resource').resource.Properties.MethodSettings[0]).toMatchObject({
      ThrottlingRateLimit: 500,
      ThrottlingBurstLimit: 1000,
    });
  });

  test('concurrency, WAF rate, seal interval and log retention props replace the defaults', () => {
    const { json, at } = gateway({
      ...minimal(),
      concurrency: { consumer: 5, provider: 6, sealer: 1 },
      waf: { ratePer5Minutes: 500 },
      sealing: { intervalSeconds: 300, maxLagSeconds: 900 },
      logRetentionDays: 7,
    });
    expect(reservedConcurrency(at)).toEqual([5, 6, 1, undefined]);
    expect(wafLimits(json)).toEqual([500]);
    expect(at('/SealerSchedule/Resource').resource.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(at('/SealerFunction/Resource').resource.Properties.Environment.Variables.SILD_LOG_RETENTION_DAYS).toBe('7');
    expect(at('/BodyStore/Bucket/Resource').resource.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({
      Prefix: 'log/',
      ExpirationInDays: 8,
    });
  });

  test('waf.enabled false leaves the provider side without a web ACL', () => {
    expect(wafLimits(gateway({ ...minimal(), waf: { enabled: false } }).json)).toEqual([]);
  });

  test('central.account and central.region pin the registration and the join permission', () => {
    const { at } = gateway({ ...minimal(), central: { url: IDS.centralUrl, anchor: IDS.anchor, account: '111111111111', region: 'eu-west-1' } });
    expect(at('/Registration/Resource/Default').resource.Properties.CentralRegion).toBe('eu-west-1');
    expect(at('/Registration/RegistrarRole/DefaultPolicy/Resource').resource.Properties.PolicyDocument.Statement).toContainEqual({
      Effect: 'Allow',
      Action: 'execute-api:Invoke',
      Resource: 'arn:aws:execute-api:eu-west-1:111111111111:abc123defg/prod/POST/join',
    });
  });

  test("without central.region a custom-domain central is assumed in the stack's own Region", () => {
    const canada = (app: App) => new Stack(app, 'Canada', { env: { account: '555555555555', region: 'ca-central-1' } });
    const { at } = gateway({ ...minimal(), central: { url: 'https://central.sild.example.gov/prod/', anchor: IDS.anchor } }, { stack: canada });
    expect(at('/Registration/Resource/Default').resource.Properties.CentralRegion).toBe('ca-central-1');
  });

  test('relative openapi files are read from descriptionsDir and written into the log table; an unreadable one is a ConfigError naming it', () => {
    const services = () => [{ subsystem: 'vehicles', code: 'persons', backendUrl: 'http://127.0.0.1:4080/persons', openapi: 'persons.openapi.yaml' }];
    const props = { ...minimal(), services: services(), descriptionsDir: path.join(ROOT, 'config') };
    const { json } = gateway(props);
    expect(props.services).toEqual(services()); // the caller's props are left as given
    const [description] = Object.values(resourcesOfType(json, 'Custom::SildServiceDescription'));
    expect(JSON.stringify(description.Properties.Update)).toContain('OPENAPI#vehicles/persons');
    const { stack } = constructStack();
    const error = thrownBy(() => new SildGateway(stack, 'Gateway', { ...minimal(), services: services(), descriptionsDir: path.join(ROOT, 'docs') }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/\n {2}services\.0\.openapi: cannot read .*docs\/persons\.openapi\.yaml/);
  });

  test('a SOAP service’s wsdl is read from descriptionsDir and written into the log table as its own item, not into the environment', () => {
    const services = () => [
      {
        subsystem: 'vehicles',
        code: 'getPerson',
        type: 'soap' as const,
        version: 'v1',
        backendUrl: 'https://registry.example/soap',
        wsdl: 'population-registry.wsdl',
      },
    ];
    const props = { ...minimal(), services: services(), descriptionsDir: path.join(ROOT, 'config') };
    const { json, stack, settingsOf } = gateway(props);
    expect(props.services).toEqual(services()); // the caller's props are left as given
    Template.fromStack(stack).resourceCountIs('Custom::SildServiceWsdl', 1);
    Template.fromStack(stack).resourceCountIs('Custom::SildServiceDescription', 0);
    const [wsdl] = Object.values(resourcesOfType(json, 'Custom::SildServiceWsdl'));
    const item = customResourceCall(wsdl, 'Update', 'table').parameters.Item;
    expect(item.sk).toEqual({ S: 'WSDL#vehicles/getPerson' });
    expect(item.document.S).toBe(readFileSync(path.join(ROOT, 'config', 'population-registry.wsdl'), 'utf8'));
    for (const fn of ['ConsumerFunction', 'ProviderFunction']) expect(JSON.stringify(settingsOf(fn))).not.toMatch(/wsdl|definitions/i);
    const [policy] = Object.values(resourcesOfType(json, 'Custom::SildAccessPolicy'));
    expect(policy.Metadata['sild:services']).toEqual(['vehicles/getPerson → https://registry.example/soap (25000 ms) (SOAP v1)']);
  });

  test('tags its resources with the instance, the component and the agency', () => {
    const { at } = gateway(minimal());
    for (const resource of ['/SigningKey/Key/Resource', '/MessageLog/Table/Resource', '/BodyStore/Bucket/Resource', '/ProviderFunction/Resource']) {
      expect(at(resource).resource.Properties.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'sild:instance', Value: 'EE' },
          { Key: 'sild:component', Value: 'gateway' },
          { Key: 'sild:agency', Value: 'vehicle-registry' },
        ]),
      );
    }
  });
});

describe('SildGateway key rotation (signingKeys): publish, switch, retire — each step one reviewed deploy', () => {
  const step = (signingKeys?: { published: string[]; current: string }) => {
    const synthesized = gateway({ ...minimal(), signingKeys });
    const keyArn = (name: string) => ({
      'Fn::GetAtt': [synthesized.at(name === 'initial' ? '/SigningKey/Key/Resource' : `/SigningKey-${name}/Key/Resource`).logicalId, 'Arn'],
    });
    const env = (fn: string) => synthesized.at(`/${fn}/Resource`).resource.Properties.Environment.Variables;
    /** The KMS keys a role may sign with (its policies' kms:Sign statements). */
    const signableBy = (roleSuffix: string) => signableKeysOf(synthesized.json, synthesized.at(roleSuffix).logicalId);
    return { ...synthesized, keyArn, env, signableBy, registration: () => synthesized.at('/Registration/Resource/Default').resource.Properties };
  };
  const before = step();

  test('without signingKeys: the one initial key, no published-keys variable, the registration names the key alone', () => {
    expect(Object.keys(resourcesOfType(before.json, 'AWS::KMS::Key'))).toEqual([before.at('/SigningKey/Key/Resource').logicalId]);
    expect(before.env('ConsumerFunction').SILD_PUBLISHED_KEY_IDS).toBeUndefined();
    expect(before.registration().PublishedKeyIds).toBeUndefined();
    expect(before.registration().SigningKeyId).toEqual(before.keyArn('initial'));
  });

  test('1. publish: a second retained key beside the initial one (unchanged); both published and registered, the initial one still signs', () => {
    const published = step({ published: ['initial', 'next'], current: 'initial' });
    expect(published.at('/SigningKey/Key/Resource').logicalId).toBe(before.at('/SigningKey/Key/Resource').logicalId);
    expect(published.at('/SigningKey-next/Key/Resource').resource).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
    });
    expect(published.at('/SigningKey-next/Key/Alias/Resource').resource.Properties.AliasName).toBe('alias/sild/EE/gateway/vehicle-registry/next');
    for (const fn of ['ConsumerFunction', 'ProviderFunction', 'SealerFunction']) {
      expect(published.env(fn).SILD_SIGNING_KEY_ID).toEqual(published.keyArn('initial'));
      expect(published.env(fn).SILD_PUBLISHED_KEY_IDS).toEqual({ 'Fn::Join': ['', [published.keyArn('initial'), ',', published.keyArn('next')]] });
      expect(published.signableBy(`/${fn}Role/Resource`)).toEqual(expect.arrayContaining([published.keyArn('initial'), published.keyArn('next')]));
    }
    expect(published.registration().PublishedKeyIds).toEqual({ 'Fn::Join': ['', [published.keyArn('initial'), ',', published.keyArn('next')]] });
    expect(published.signableBy('/Registration/RegistrarRole/Resource')).toEqual(
      expect.arrayContaining([published.keyArn('initial'), published.keyArn('next')]),
    );
  });

  test('2. switch: the new key signs; both stay published', () => {
    const switched = step({ published: ['initial', 'next'], current: 'next' });
    expect(switched.env('ProviderFunction').SILD_SIGNING_KEY_ID).toEqual(switched.keyArn('next'));
    expect(switched.env('ProviderFunction').SILD_PUBLISHED_KEY_IDS).toEqual({
      'Fn::Join': ['', [switched.keyArn('initial'), ',', switched.keyArn('next')]],
    });
    const output = Object.entries(switched.json.Outputs as Record<string, { Value: unknown }>).find(([name]) =>
      name.includes('GatewaySigningKeyArn'),
    )!;
    expect(output[1].Value).toEqual(switched.keyArn('next'));
  });

  test('3. retire: the old key leaves the template (it stays in KMS, retained); only the new one is published and registered', () => {
    const retired = step({ published: ['next'], current: 'next' });
    expect(Object.keys(resourcesOfType(retired.json, 'AWS::KMS::Key'))).toEqual([retired.at('/SigningKey-next/Key/Resource').logicalId]);
    expect(retired.env('SealerFunction').SILD_SIGNING_KEY_ID).toEqual(retired.keyArn('next'));
    expect(retired.env('SealerFunction').SILD_PUBLISHED_KEY_IDS).toBeUndefined();
    expect(retired.registration()).toMatchObject({ SigningKeyId: retired.keyArn('next') });
    expect(retired.registration().PublishedKeyIds).toBeUndefined();
  });

  test('a current key that is not published, a key listed twice: a ConfigError naming the field', () => {
    expect(thrownBy(() => gateway({ ...minimal(), signingKeys: { published: ['initial'], current: 'next' } }))).toMatchObject({
      message: expect.stringMatching(/signingKeys\.current.*must be one of published \(initial\)/s),
    });
    expect(thrownBy(() => gateway({ ...minimal(), signingKeys: { published: ['next', 'next'], current: 'next' } }))).toMatchObject({
      message: expect.stringMatching(/signingKeys\.published.*lists a key twice/s),
    });
  });
});
