/**
 * 10. Least privilege, proved on the synthesized templates — and, for IAM consumer access, end to end: a principal
 * of the agency's account may act only as the subsystems the config binds it to.
 */
import type { LocalCredential } from '../../lib/local/sigv4-verifier';
import { agencyStackName, centralStackName } from '../../lib/stacks/sild-stacks';
import { expectXRoadError, PERSONS, startTestEcosystem, TAX_CLIENT, testConfig, type TestEcosystem } from '../e2e/fixture';
import { signedGet as signedGetAt } from '../support/signed-get';
import { configWith, demoConfig, resourcesOfType, synth } from '../support/synth';
import { rateLimitsFor } from '../support/waf';

const POPULATION = agencyStackName('DEV', { name: 'population-registry' });
const demo = synth(demoConfig());

type Statement = { Effect: string; Action: string | string[]; Condition?: Record<string, Record<string, string[]>> };
const actionsOf = (statement: Statement) => [statement.Action].flat();
const statementsOf = (template: any, roleSuffix: string): Statement[] =>
  Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((policy) => String(policy.Metadata?.['aws:cdk:path']).endsWith(`/${roleSuffix}/DefaultPolicy/Resource`))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);

describe('templates', () => {
  const agency = demo.templateJson(POPULATION);

  test('the internet-facing provider function cannot write the access policy, a seal or the key ring; it queries only the seals and its kept configurations, gets items by key but never a seal or a certificate, and scans nothing', () => {
    const statements = statementsOf(agency, 'ProviderFunctionRole').filter((entry) =>
      actionsOf(entry).some((action) => action.startsWith('dynamodb:')),
    );
    for (const statement of statements) {
      const actions = actionsOf(statement);
      expect(actions).not.toContain('dynamodb:Scan');
      if (actions.some((action) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/.test(action))) {
        expect(statement.Condition).toEqual({ 'ForAllValues:StringNotEquals': { 'dynamodb:LeadingKeys': ['CONFIG', 'SEAL', 'KEYS'] } });
      } else if (actions.includes('dynamodb:GetItem')) {
        // A log record is read back after a failed conditional write (its own retry, or a replayed X-Road-Id).
        expect(actions).toEqual(['dynamodb:GetItem']);
        expect(statement.Condition).toEqual({ 'ForAllValues:StringNotEquals': { 'dynamodb:LeadingKeys': ['SEAL', 'CERT'] } });
      } else {
        expect(statement.Condition?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys']).toEqual(['SEAL', 'GLOBALCONF']);
      }
    }
    expect(statements.filter((statement) => actionsOf(statement).includes('dynamodb:GetItem'))).toHaveLength(1);
  });

  test('only the sealer writes seals; the central function never writes the allow-list or global groups', () => {
    expect(statementsOf(agency, 'SealerFunctionRole').find((statement) => actionsOf(statement).includes('dynamodb:PutItem'))?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SEAL'] },
    });
    const central = demo.templateJson(centralStackName('DEV'));
    expect(statementsOf(central, 'CentralFunctionRole').find((statement) => actionsOf(statement).includes('dynamodb:PutItem'))?.Condition).toEqual({
      'ForAllValues:StringNotEquals': { 'dynamodb:LeadingKeys': ['CONFIG', 'KEYS', 'COUNTER'] },
    });
  });

  test('only the sealer reads the message log’s stream, and only its own table’s; no function writes the legacy seal index', () => {
    const table = Object.entries(resourcesOfType(agency, 'AWS::DynamoDB::Table')).find(([, resource]) =>
      String(resource.Metadata?.['aws:cdk:path']).endsWith('/MessageLog/Table/Resource'),
    )!;
    expect(table[1].Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    const streamActions = /^dynamodb:(ListStreams|DescribeStream|GetRecords|GetShardIterator)$/;
    for (const role of ['ConsumerFunctionRole', 'ProviderFunctionRole', 'CanaryFunctionRole'])
      expect(
        statementsOf(agency, role)
          .flatMap(actionsOf)
          .filter((action) => streamActions.test(action)),
      ).toEqual([]);
    const sealer = statementsOf(agency, 'SealerFunctionRole').filter((statement) =>
      actionsOf(statement).some((action) => streamActions.test(action)),
    );
    expect(sealer).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Resource: { 'Fn::GetAtt': [table[0], 'StreamArn'] },
      },
    ]);
    // The sealer writes nothing but seals: no record, and so no entry of the legacy index.
    const writes = statementsOf(agency, 'SealerFunctionRole').filter((statement) => actionsOf(statement).includes('dynamodb:PutItem'));
    expect(writes.map((statement) => statement.Condition)).toEqual([{ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SEAL'] } }]);
  });

  // Property 10 as rewritten for issue 22: a new account (quota 10) can reserve nothing, so ceilings come from the
  // stage throttles and WAF (tested beside), reservations — the sealer's floor included — are opt-in, and
  // fail-closed sealing is the backstop when sealing cannot run.
  test('no Sild function reserves concurrency unless the config says so; reservations come from the config only, within the quota', () => {
    const reserved = (template: any) =>
      Object.fromEntries(
        Object.values(resourcesOfType(template, 'AWS::Lambda::Function'))
          .filter((fn) => /Sild/.test(String(fn.Properties.Description)))
          .map((fn) => [String(fn.Metadata['aws:cdk:path']).split('/').slice(-2, -1).join('/'), fn.Properties.ReservedConcurrentExecutions]),
      );
    expect(reserved(agency)).toEqual({
      CanaryFunction: undefined,
      ConsumerFunction: undefined,
      ProviderFunction: undefined,
      SealerFunction: undefined,
    });
    expect(reserved(demo.templateJson(centralStackName('DEV')))).toEqual({ CentralFunction: undefined, PublisherFunction: undefined });
    for (const stack of demo.assembly.stacks) {
      for (const fn of Object.values(resourcesOfType(stack.template, 'AWS::Lambda::Function')))
        expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    const tuned = synth(
      configWith((raw) => {
        raw.agencies[0].concurrency = { consumer: 10, provider: 20, sealer: 1 };
        raw.central.concurrency = 20;
      }),
    );
    expect(reserved(tuned.templateJson(POPULATION))).toEqual({
      CanaryFunction: undefined,
      ConsumerFunction: 10,
      ProviderFunction: 20,
      SealerFunction: 1,
    });
    expect(reserved(tuned.templateJson(centralStackName('DEV')))).toEqual({ CentralFunction: 20, PublisherFunction: undefined });
    expect(() => configWith((raw) => (raw.agencies[0].concurrency = { sealer: 0 }))).toThrow(/agencies\.0\.concurrency\.sealer/);
    // Above the account's quota less Lambda's unreserved minimum, synth fails (lambda-concurrency-check.test.ts).
    const overQuota = synth(configWith((raw) => Object.assign(raw.agencies[0], { lambdaConcurrencyQuota: 10, concurrency: { sealer: 1 } })));
    expect(overQuota.messages(POPULATION, 'error')).toEqual([
      expect.stringMatching(/^Lambda concurrency in account 222222222222, Region eu-north-1: the reservations sum to 1 .*above the limit of 0/),
    ]);
  });

  test('the provider and central APIs sit behind WAF rate rules by default; the config can turn them off', () => {
    for (const [template, api] of [
      [agency, 'ProviderApi'],
      [demo.templateJson(centralStackName('DEV')), 'CentralApi'],
    ] as const) {
      const [acl] = Object.values(resourcesOfType(template, 'AWS::WAFv2::WebACL'));
      expect(acl.Properties.Rules[0]).toMatchObject({
        Name: 'RateLimitPerIp',
        Action: { Block: {} },
        Statement: { RateBasedStatement: { Limit: 3000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
      });
      expect(acl.Properties.Rules.every((rule: { Action: unknown }) => JSON.stringify(rule.Action) === '{"Block":{}}')).toBe(true);
      const [association] = Object.values(resourcesOfType(template, 'AWS::WAFv2::WebACLAssociation'));
      expect(JSON.stringify(association.Properties.ResourceArn)).toContain(api);
    }
    const off = synth(
      configWith((raw) => {
        raw.agencies[0].waf = { enabled: false };
        raw.central.waf = { enabled: false };
      }),
    );
    expect(resourcesOfType(off.templateJson(POPULATION), 'AWS::WAFv2::WebACL')).toEqual({});
    expect(resourcesOfType(off.templateJson(centralStackName('DEV')), 'AWS::WAFv2::WebACL')).toEqual({});
  });

  // One address may carry a whole peer gateway (a NAT gateway per Availability Zone, Lambda's shared egress): 100
  // messages a second from it are 30,000 per 5 minutes. Read as WAF evaluates each request (test/support/waf.ts).
  describe("the provider's web ACL lets a peer gateway's address through at 100 messages a second, and keeps unsigned traffic to the strict limit", () => {
    const path = '/prod/r1/DEV/GOV/70000001/population/persons/123';
    const signed = { 'x-sild-manifest': 'eyJ2IjoxfQ==', 'x-sild-signature': 'MEUCIQ==' };
    const limitsOf = (template: any, headers: Record<string, string>) =>
      rateLimitsFor(Object.values(resourcesOfType(template, 'AWS::WAFv2::WebACL'))[0], { path, headers });

    test('by default: every rule counting a signed message allows at least 30,000 per 5 minutes; a request without both signature headers is held to 3,000', () => {
      expect(limitsOf(agency, signed)).toEqual({ RateLimitPerIpSignedMessages: 60_000 });
      expect(Math.min(...Object.values(limitsOf(agency, signed)))).toBeGreaterThanOrEqual(30_000);
      const unsignedRequests: Record<string, string>[] = [
        {},
        { 'x-sild-manifest': signed['x-sild-manifest'] },
        { 'x-sild-signature': signed['x-sild-signature'] },
        { ...signed, 'x-sild-manifest': '' },
      ];
      for (const unsigned of unsignedRequests) {
        expect(limitsOf(agency, unsigned)).toEqual({ RateLimitPerIp: 3000 });
      }
    });

    test('both limits come from the config (waf.signedRatePer5Minutes, waf.ratePer5Minutes)', () => {
      const tuned = synth(configWith((raw) => (raw.agencies[0].waf = { ratePer5Minutes: 600, signedRatePer5Minutes: 150_000 }))).templateJson(
        POPULATION,
      );
      expect(limitsOf(tuned, signed)).toEqual({ RateLimitPerIpSignedMessages: 150_000 });
      expect(limitsOf(tuned, {})).toEqual({ RateLimitPerIp: 600 });
    });

    test("the central's web ACL keeps one per-IP limit for everything, and its join rules", () => {
      const central = demo.templateJson(centralStackName('DEV'));
      const [acl] = Object.values(resourcesOfType(central, 'AWS::WAFv2::WebACL'));
      expect(rateLimitsFor(acl, { path: '/prod/globalconf', headers: signed })).toEqual({ RateLimitPerIp: 3000 });
      expect(rateLimitsFor(acl, { path: '/prod/join', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=…' } })).toEqual({
        RateLimitPerIp: 3000,
        RateLimitPerIpOnSignedPaths: 100,
      });
    });
  });
});

describe('IAM consumer access binds principals to subsystems (end to end)', () => {
  const APP = 'arn:aws:iam::333333333333:role/apps/tax-app';
  const AUDIT = 'arn:aws:iam::333333333333:role/tax-audit-app';
  let eco: TestEcosystem;

  beforeAll(async () => {
    eco = await startTestEcosystem({
      config: testConfig((raw) => {
        const tax = raw.agencies.find((agency) => agency.name === 'tax-board') as unknown as Record<string, unknown> & { subsystems: string[] };
        tax.subsystems = ['tax-records', 'tax-audit'];
        tax.consumerAccess = {
          mode: 'iam',
          principals: [
            { arn: APP, subsystems: ['tax-records'] },
            { arn: AUDIT, subsystems: ['tax-audit'] },
          ],
        };
      }),
    });
  });
  afterAll(async () => {
    await eco?.stop();
  });

  /** A GET to the tax-board consumer side signed with SigV4 by `credential`, as an AWS SDK client signs. */
  const signedGet = (credential: LocalCredential | undefined, client: string) =>
    signedGetAt(`${eco.agencies['tax-board'].consumerUrl}${PERSONS}/123`, credential, client);

  test('the principal bound to tax-records may act as tax-records', async () => {
    const [app] = eco.agencies['tax-board'].consumerCredentials;
    expect((await signedGet(app, TAX_CLIENT)).status).toBe(200);
  });

  test('the same principal may not act as another subsystem of the agency → 403 Client.Unauthorized', async () => {
    const [app, audit] = eco.agencies['tax-board'].consumerCredentials;
    expectXRoadError(await signedGet(app, 'DEV/GOV/70000002/tax-audit'), 403, 'Client.Unauthorized');
    expectXRoadError(await signedGet(audit, TAX_CLIENT), 403, 'Client.Unauthorized');
  });

  // The IAM consumer side is an HTTP API: its own 403 (not customizable) comes before the function runs.
  test('an unsigned call, or one signed by a principal the config does not name, is refused by the API front (403)', async () => {
    const unsigned = await signedGet(undefined, TAX_CLIENT);
    expect(unsigned.status).toBe(403);
    expect(unsigned.json()).toEqual({ message: 'Forbidden' });
    const stranger: LocalCredential = {
      accessKeyId: 'AKIASTRANGER',
      secretAccessKey: 'secret',
      account: '333333333333',
      arn: 'arn:aws:sts::333333333333:assumed-role/other/x',
    };
    expect((await signedGet(stranger, TAX_CLIENT)).status).toBe(403);
  });
});
