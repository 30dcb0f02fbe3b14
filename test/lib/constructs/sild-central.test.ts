/**
 * SildCentral promises the central deployment from the central operator's config alone, in any stack under any
 * construct id: the config validated when the construct is built (a ConfigError naming each bad field), the join
 * open exactly to the agency accounts of the allow-list (nobody when it is empty), the allow-list and global groups
 * written into the registry, the documented defaults (no reserved concurrency, WAF at 3000 per IP with unsigned
 * joins blocked and 100 joins per IP per 5 minutes, a global configuration valid 600 s and generated every 60 s),
 * and outputs that tell ops what to give the agencies.
 */
import { type App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { centralConfigOf, ConfigError } from '../../../lib/config/ecosystem-config';
import { SildCentral, type SildCentralProps } from '../../../lib/constructs/sild-central';
import { thrownBy } from '../../support/assertions';
import { constructStack, customResourceCall, demoConfig, resourceAt, resourcesOfType, signableKeysOf } from '../../support/synth';

const agency = (name: string, account: string, code: string) => ({ name, account, member: { class: 'GOV', code, name: `${name} board` } });

/** A central operator's config with nothing optional set; two agencies deploy from one account. */
const minimal = (): SildCentralProps => ({
  instance: 'EE',
  memberClasses: ['GOV', 'COM'],
  central: { account: '111111111111', region: 'eu-north-1' },
  agencies: [
    agency('vehicle-registry', '444444444444', '70000009'),
    agency('tax-board', '222222222222', '70000002'),
    agency('tax-audit', '444444444444', '70000003'),
  ],
});

function central(props: SildCentralProps, options: { id?: string; stack?: (app: App) => Stack } = {}) {
  const { app, stack: defaultStack } = constructStack();
  const stack = options.stack ? options.stack(app) : defaultStack;
  new SildCentral(stack, options.id ?? 'Central', props);
  const json = Template.fromStack(stack).toJSON();
  const at = (suffix: string) => resourceAt(json, suffix);
  const api = at('/CentralApi/Api/Resource').resource.Properties;
  return {
    app,
    stack,
    json,
    at,
    policy: api.Policy.Statement,
    settings: () => JSON.parse(at('/CentralFunction/Resource').resource.Properties.Environment.Variables.SILD_CENTRAL_SETTINGS),
  };
}

const publicGlobalconf = {
  Sid: 'InvokeGETglobalconf',
  Effect: 'Allow',
  Action: 'execute-api:Invoke',
  Principal: { AWS: '*' },
  Resource: 'execute-api:/*/GET/globalconf',
};

describe('SildCentral in a user’s stack', () => {
  test.each(['Central', 'EE-Central-2'])(
    'works under the id %s: resources and outputs are namespaced by it, cdk-nag finds nothing unacknowledged, no warnings',
    (id) => {
      const config = centralConfigOf(demoConfig());
      const { app, stack, json, at } = central({ ...config, central: { ...config.central, apiGatewayAccountRoleExists: true } }, { id });
      expect(at('/Registry/Table/Resource').resource.Metadata['aws:cdk:path']).toBe(`Test/${id}/Registry/Table/Resource`);
      expect(Object.keys(json.Outputs).map((output) => output.startsWith(id.replace(/[^A-Za-z0-9]/g, '')))).toEqual([true, true, true, true, true]);
      const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
      expect(
        report.violations.map(
          (violation) => `${violation.ruleName} at ${violation.violatingResources.map((resource) => resource.constructPath).join(', ')}`,
        ),
      ).toEqual([]);
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    },
  );

  test('in an account whose API Gateway logging role the config does not know of (a fresh account), the stage does not log and synth says what to set', () => {
    const { stack, json } = central(minimal());
    const [stage] = Object.values(resourcesOfType(json, 'AWS::ApiGateway::Stage'));
    expect(stage.Properties.AccessLogSetting).toBeUndefined();
    expect(stage.Properties.MethodSettings[0].LoggingLevel).toBe('OFF');
    const warnings = Annotations.fromStack(stack)
      .findWarning('*', Match.anyValue())
      .map((warning) => String(warning.entry.data));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^The central of EE: The REST API stages of this stack write no access or execution logs.*set central\.apiGatewayAccountRoleExists: true.*central\.apiGatewayAccountRole: true in exactly one stack per account and Region/,
      ),
    ]);
  });

  test('the outputs give the API URL, the key ARN, and the command printing the anchor key in the stack’s own Region', () => {
    const canada = (app: App) => new Stack(app, 'Canada', { env: { account: '111111111111', region: 'ca-central-1' } });
    const { json, at } = central(minimal(), { stack: canada });
    const key = at('/SigningKey/Key/Resource').logicalId;
    const outputs = Object.values(json.Outputs as Record<string, { Value: unknown }>).map((output) => output.Value);
    expect(outputs).toContainEqual({ 'Fn::GetAtt': [key, 'Arn'] });
    expect(outputs).toContainEqual({
      'Fn::Join': [
        '',
        ['aws kms get-public-key --region ca-central-1 --key-id ', { 'Fn::GetAtt': [key, 'Arn'] }, ' --query PublicKey --output text'],
      ],
    });
    expect(JSON.stringify(outputs)).toContain(at('/CentralApi/Api/DeploymentStage.prod/Resource').logicalId);
  });
});

describe('SildCentral access', () => {
  test('POST /join is open to exactly the distinct agency accounts of the allow-list; GET /globalconf to anyone', () => {
    expect(central(minimal()).policy).toEqual([
      publicGlobalconf,
      {
        Sid: 'InvokePOSTjoin',
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Principal: { AWS: ['arn:aws:iam::222222222222:root', 'arn:aws:iam::444444444444:root'] },
        Resource: 'execute-api:/*/POST/join',
      },
    ]);
  });

  test('with an empty allow-list nobody may join (deny by default)', () => {
    expect(central({ ...minimal(), agencies: [] }).policy).toEqual([
      publicGlobalconf,
      { Sid: 'DenyPOSTjoin', Effect: 'Deny', Action: 'execute-api:Invoke', Principal: { AWS: '*' }, Resource: 'execute-api:/*/POST/join' },
    ]);
  });

  test('the allow-list (agency, account, member id and name) and the global groups are written into the registry', () => {
    const groups = [{ code: 'tax-authorities', description: 'Tax authorities', members: ['EE/GOV/70000002/tax-records'] }];
    const { json } = central({ ...minimal(), central: { ...minimal().central, globalGroups: groups } });
    const [allowList] = Object.values(resourcesOfType(json, 'Custom::SildJoinAllowList'));
    expect(JSON.parse(customResourceCall(allowList, 'Update').parameters.Item.agencies.S)).toEqual([
      { name: 'vehicle-registry', account: '444444444444', member: 'EE/GOV/70000009', memberName: 'vehicle-registry board' },
      { name: 'tax-board', account: '222222222222', member: 'EE/GOV/70000002', memberName: 'tax-board board' },
      { name: 'tax-audit', account: '444444444444', member: 'EE/GOV/70000003', memberName: 'tax-audit board' },
    ]);
    const [globalGroups] = Object.values(resourcesOfType(json, 'Custom::SildGlobalGroups'));
    expect(JSON.parse(customResourceCall(globalGroups, 'Update').parameters.Item.groups.S)).toEqual(groups);
  });
});

describe('SildCentral props', () => {
  test.each([
    ['central.account', { central: { account: '1111', region: 'eu-north-1' } }, /\n {2}central\.account: must be a 12-digit AWS account id/],
    ['central.region', { central: { account: '111111111111', region: 'Frankfurt' } }, /\n {2}central\.region: "Frankfurt" is not an AWS Region/],
    [
      'central.globalConfValiditySeconds',
      { central: { account: '111111111111', region: 'eu-north-1', globalConfValiditySeconds: 10 } },
      /\n {2}central\.globalConfValiditySeconds: /,
    ],
    [
      'central.waf.ratePer5Minutes',
      { central: { account: '111111111111', region: 'eu-north-1', waf: { ratePer5Minutes: 5 } } },
      /\n {2}central\.waf\.ratePer5Minutes: /,
    ],
    ['memberClasses', { memberClasses: [] }, /\n {2}memberClasses: /],
    [
      'agencies.1.name',
      { agencies: [agency('tax-board', '222222222222', '1'), agency('tax-board', '333333333333', '2')] },
      /\n {2}agencies\.1\.name: duplicate agency name tax-board/,
    ],
    [
      'agencies.1.member',
      { agencies: [agency('tax-board', '222222222222', '1'), agency('tax-audit', '333333333333', '1')] },
      /\n {2}agencies\.1\.member: member GOV\/1 belongs to two agencies/,
    ],
    [
      'agencies.0.member.class',
      { agencies: [{ ...agency('tax-board', '222222222222', '1'), member: { class: 'EDU', code: '1', name: 'Tax' } }] },
      /\n {2}agencies\.0\.member\.class: unknown member class EDU/,
    ],
  ] as [string, Partial<SildCentralProps>, RegExp][])(
    'an invalid %s throws a ConfigError naming the construct and the field',
    (_field, change, problem) => {
      const { stack } = constructStack();
      const error = thrownBy(() => new SildCentral(stack, 'Registry', { ...minimal(), ...change }));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^Invalid SildCentral Registry props:\n/);
      expect((error as Error).message).toMatch(problem);
    },
  );

  test('defaults: no reserved concurrency, WAF at 3000 per IP on the stage, stage at 50/100, configuration valid 600 s and generated every 60 s, no private provider URLs', () => {
    const { json, at, settings } = central(minimal());
    for (const fn of ['CentralFunction', 'PublisherFunction'])
      expect(at(`/${fn}/Resource`).resource.Properties.ReservedConcurrentExecutions).toBeUndefined();
    const [acl] = Object.values(resourcesOfType(json, 'AWS::WAFv2::WebACL'));
    expect(acl.Properties.Rules[0].Statement.RateBasedStatement.Limit).toBe(3000);
    // Strangers cannot spend the join budget: unsigned requests to /join are blocked, and each IP is bounded there.
    expect(acl.Properties.Rules.slice(1).map((rule: { Name: string }) => rule.Name)).toEqual([
      'BlockUnsignedOnSignedPaths',
      'RateLimitPerIpOnSignedPaths',
    ]);
    expect(acl.Properties.Rules[2].Statement.RateBasedStatement).toMatchObject({
      Limit: 100,
      ScopeDownStatement: { ByteMatchStatement: { SearchString: '/join' } },
    });
    const [association] = Object.values(resourcesOfType(json, 'AWS::WAFv2::WebACLAssociation'));
    expect(JSON.stringify(association.Properties.ResourceArn)).toContain(at('/CentralApi/Api/DeploymentStage.prod/Resource').logicalId);
    expect(at('/CentralApi/Api/DeploymentStage.prod/Resource').resource.Properties.MethodSettings[0]).toMatchObject({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
    expect(settings()).toMatchObject({
      instance: 'EE',
      memberClasses: ['GOV', 'COM'],
      validitySeconds: 600,
      generationSeconds: 60,
      allowPrivateProviderUrls: false,
    });
  });

  test('concurrency, WAF rate, validity, generation interval and private provider URLs props replace the defaults', () => {
    const { json, at, settings } = central({
      ...minimal(),
      central: {
        account: '111111111111',
        region: 'eu-north-1',
        concurrency: 4,
        waf: { ratePer5Minutes: 600 },
        globalConfValiditySeconds: 300,
        globalConfGenerationSeconds: 30,
        allowPrivateProviderUrls: true,
      },
    });
    expect(at('/CentralFunction/Resource').resource.Properties.ReservedConcurrentExecutions).toBe(4);
    expect(
      Object.values(resourcesOfType(json, 'AWS::WAFv2::WebACL')).map((acl) => acl.Properties.Rules[0].Statement.RateBasedStatement.Limit),
    ).toEqual([600]);
    expect(settings()).toMatchObject({ validitySeconds: 300, generationSeconds: 30, allowPrivateProviderUrls: true });
  });

  test('central.waf.enabled false leaves the API without a web ACL', () => {
    expect(resourcesOfType(central({ ...minimal(), central: { ...minimal().central, waf: { enabled: false } } }).json, 'AWS::WAFv2::WebACL')).toEqual(
      {},
    );
  });

  test('tags its resources with the instance and the component', () => {
    const { at } = central(minimal());
    for (const resource of ['/SigningKey/Key/Resource', '/Registry/Table/Resource', '/CentralFunction/Resource']) {
      expect(at(resource).resource.Properties.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'sild:instance', Value: 'EE' },
          { Key: 'sild:component', Value: 'central' },
        ]),
      );
    }
  });
});

describe('SildCentral key rotation (central.signingKeys)', () => {
  const withKeys = (signingKeys: { published: string[]; current: string }) =>
    central({ ...minimal(), central: { ...minimal().central, signingKeys } });
  const keyArn = (synthesized: ReturnType<typeof central>, name: string) => ({
    'Fn::GetAtt': [synthesized.at(name === 'initial' ? '/SigningKey/Key/Resource' : `/SigningKey-${name}/Key/Resource`).logicalId, 'Arn'],
  });

  test('hand-over: the new key signs, the initial one (unchanged) stays held so that it signs the hand-over; both functions may sign with both', () => {
    const before = central(minimal());
    const handOver = withKeys({ published: ['initial', 'next'], current: 'next' });
    expect(handOver.at('/SigningKey/Key/Resource').logicalId).toBe(before.at('/SigningKey/Key/Resource').logicalId);
    for (const fn of ['CentralFunction', 'PublisherFunction']) {
      const env = handOver.at(`/${fn}/Resource`).resource.Properties.Environment.Variables;
      expect(env.SILD_SIGNING_KEY_ID).toEqual(keyArn(handOver, 'next'));
      expect(env.SILD_PUBLISHED_KEY_IDS).toEqual({ 'Fn::Join': ['', [keyArn(handOver, 'initial'), ',', keyArn(handOver, 'next')]] });
      expect(signableKeysOf(handOver.json, handOver.at(`/${fn}Role/Resource`).logicalId)).toEqual(
        expect.arrayContaining([keyArn(handOver, 'initial'), keyArn(handOver, 'next')]),
      );
    }
  });

  test('retire: only the new key is left in the template; the old one stays in KMS (retained)', () => {
    const retired = withKeys({ published: ['next'], current: 'next' });
    expect(Object.keys(resourcesOfType(retired.json, 'AWS::KMS::Key'))).toEqual([retired.at('/SigningKey-next/Key/Resource').logicalId]);
    expect(retired.at('/SigningKey-next/Key/Alias/Resource').resource.Properties.AliasName).toBe('alias/sild/EE/central/next');
    expect(retired.at('/CentralFunction/Resource').resource.Properties.Environment.Variables.SILD_PUBLISHED_KEY_IDS).toBeUndefined();
  });
});
