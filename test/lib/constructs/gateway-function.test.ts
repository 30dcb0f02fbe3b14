/**
 * GatewayFunction promises that a gateway function's environment and its grants are made together: every variable of
 * the deployment contract is set, every resource the environment names is granted — with exactly the access
 * `GATEWAY_FUNCTION_ACCESS` declares, in that order — and nothing is granted that the environment does not name. The
 * one declared exception is the sealer, which carries the body store's name (every deployment does) and no grant.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { MESSAGE_LOG_TABLE } from '../../../lambdas/adapters/tables';
import type { GatewaySettingsInput } from '../../../lambdas/core/exchange/settings';
import { GATEWAY_ENVIRONMENT } from '../../../lambdas/deployment-contract';
import { BodyStoreBucket } from '../../../lib/constructs/body-store-bucket';
import { GatewayFunction } from '../../../lib/constructs/gateway-function';
import { signingKeySet } from '../../../lib/constructs/signing-key';
import { SildTable } from '../../../lib/constructs/sild-table';
import type { GatewayFunctionName } from '../../../lib/config/vpc-layout';
import { constructStack, resourceAt, resourcesOfType } from '../../support/synth';

const NAMES: readonly GatewayFunctionName[] = ['consumer', 'provider', 'sealer', 'canary'];
const SETTINGS: GatewaySettingsInput = {
  instance: 'EE',
  gatewayId: 'EE/GOV/70000009/vehicle-registry',
  member: 'EE/GOV/70000009',
  subsystems: ['vehicles'],
  centralUrl: 'https://central.example',
  anchor: { instance: 'EE', publicKey: 'anchor' },
};

/** The four functions over one set of resources, with two published keys (a rotation under way). */
function gatewayFunctions() {
  const { stack } = constructStack();
  const resources = {
    settings: SETTINGS,
    signingKeys: signingKeySet(stack, {
      alias: 'sild/EE/gateway/vehicle-registry',
      description: 'signs',
      keys: { published: ['initial', 'next'], current: 'next' },
    }),
    messageLog: new SildTable(stack, 'MessageLog', { layout: MESSAGE_LOG_TABLE }),
    logRetentionDays: 30,
    bodyStore: new BodyStoreBucket(stack, 'BodyStore', { retentionDays: 30 }),
  };
  for (const name of NAMES) new GatewayFunction(stack, name, { name, resources, description: `Sild EE: gateway vehicle-registry, ${name}` });
  const json = Template.fromStack(stack).toJSON();
  const at = (suffix: string) => resourceAt(json, suffix).logicalId;
  const ids = {
    table: at('/MessageLog/Table/Resource'),
    bucket: at('/BodyStore/Bucket/Resource'),
    keys: [at('/SigningKey/Key/Resource'), at('/SigningKey-next/Key/Resource')],
  };
  const environmentOf = (name: string): Record<string, unknown> => resourceAt(json, `/${name}/Resource`).resource.Properties.Environment.Variables;
  /** The role's policy statements after the log group's, as CloudFormation gets them. */
  const grantsOf = (name: string): any[] => {
    const role = at(`/${name}Role/Resource`);
    const policies = Object.values(resourcesOfType(json, 'AWS::IAM::Policy'));
    const [policy] = policies.filter((candidate) => candidate.Properties.Roles.some((ref: { Ref: string }) => ref.Ref === role));
    return policy.Properties.PolicyDocument.Statement.filter((statement: { Action: unknown }) => !JSON.stringify(statement.Action).includes('logs:'));
  };
  return { ids, environmentOf, grantsOf };
}

/** The logical ids a CloudFormation value refers to (`Ref`, `Fn::GetAtt`). */
function referencedIds(value: unknown): Set<string> {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      if (key === 'Ref' && typeof child === 'string') found.add(child);
      else if (key === 'Fn::GetAtt' && Array.isArray(child)) found.add(String(child[0]));
      else visit(child);
    }
  };
  visit(value);
  return found;
}

describe('GatewayFunction', () => {
  const { ids, environmentOf, grantsOf } = gatewayFunctions();
  const keyArns = ids.keys.map((key) => ({ 'Fn::GetAtt': [key, 'Arn'] }));
  const tableArn = { 'Fn::GetAtt': [ids.table, 'Arn'] };
  // One statement per published key, merged by IAM's policy minimization.
  const sign = { Action: ['kms:GetPublicKey', 'kms:Sign'], Effect: 'Allow', Resource: keyArns };
  const item = (Action: string | string[], condition: 'ForAllValues:StringEquals' | 'ForAllValues:StringNotEquals', keys: string[]) => ({
    Action,
    Condition: { [condition]: { 'dynamodb:LeadingKeys': keys } },
    Effect: 'Allow',
    Resource: tableArn,
  });
  const bodyPrefixes = ['log/*', 'transfer/*'].map((prefix) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.bucket, 'Arn'] }, `/${prefix}`]] }));
  const bodies = { Action: ['s3:GetObject', 's3:PutObject'], Effect: 'Allow', Resource: bodyPrefixes };
  const exchangeSide = (getItemExcept: string[]) => [
    sign,
    item('dynamodb:PutItem', 'ForAllValues:StringNotEquals', ['CONFIG', 'SEAL', 'KEYS']),
    item('dynamodb:Query', 'ForAllValues:StringEquals', ['SEAL', 'GLOBALCONF']),
    item('dynamodb:GetItem', 'ForAllValues:StringNotEquals', getItemExcept),
    bodies,
  ];

  test.each(NAMES)('the %s function gets every variable of the deployment contract, naming the gateway’s resources', (name) => {
    const environment = environmentOf(name);
    expect(Object.keys(environment)).toEqual(['NODE_OPTIONS', ...Object.values(GATEWAY_ENVIRONMENT)]);
    expect(environment).toMatchObject({
      [GATEWAY_ENVIRONMENT.settings]: JSON.stringify(SETTINGS),
      [GATEWAY_ENVIRONMENT.signingKey]: keyArns[1],
      [GATEWAY_ENVIRONMENT.messageLogTable]: { Ref: ids.table },
      [GATEWAY_ENVIRONMENT.logRetentionDays]: '30',
      [GATEWAY_ENVIRONMENT.bodyBucket]: { Ref: ids.bucket },
    });
    expect(referencedIds(environment[GATEWAY_ENVIRONMENT.publishedKeys])).toEqual(new Set(ids.keys));
  });

  test.each(NAMES)('the %s function is granted on what its environment names, and on nothing else (the sealer: no body store)', (name) => {
    const named = referencedIds(environmentOf(name));
    if (name === 'sealer') named.delete(ids.bucket);
    expect(referencedIds(grantsOf(name))).toEqual(named);
  });

  test('the exchange sides and the canary: sign, write records, query seals and configurations, get items by key, store bodies — in this order', () => {
    expect(grantsOf('consumer')).toEqual(exchangeSide(['CONFIG', 'SEAL', 'CERT']));
    expect(grantsOf('canary')).toEqual(grantsOf('consumer'));
    // The provider side also reads the deployment's items (access policy, service descriptions).
    expect(grantsOf('provider')).toEqual(exchangeSide(['SEAL', 'CERT']));
  });

  test('the sealer: sign, write and query seals, read the key ring, query the legacy index, read this table’s stream — in this order', () => {
    expect(grantsOf('sealer')).toEqual([
      sign,
      item(['dynamodb:PutItem', 'dynamodb:Query'], 'ForAllValues:StringEquals', ['SEAL']),
      item('dynamodb:GetItem', 'ForAllValues:StringEquals', ['KEYS']),
      { Action: 'dynamodb:Query', Effect: 'Allow', Resource: { 'Fn::Join': ['', [tableArn, '/index/seal-window']] } },
      // ListStreams has no resource type; reading is on this table's stream alone.
      { Action: 'dynamodb:ListStreams', Effect: 'Allow', Resource: '*' },
      {
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [ids.table, 'StreamArn'] },
      },
    ]);
  });

  test('only the sealer reads the stream', () => {
    for (const name of ['consumer', 'provider', 'canary'])
      expect(JSON.stringify(grantsOf(name))).not.toMatch(/dynamodb:(ListStreams|DescribeStream|GetRecords|GetShardIterator)/);
  });
});
