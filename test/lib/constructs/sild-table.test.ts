/**
 * SildTable promises a DynamoDB table built from a shared layout with Sild's production defaults (on demand,
 * point-in-time recovery, deletion protection, retained) and grants that name exact item actions on the table —
 * never `dynamodb:*`, never the indexes unless asked, optionally limited to partition keys — and `Query` on one
 * named index.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MESSAGE_LOG_TABLE, REGISTRY_TABLE, type TableLayout } from '../../../lambdas/adapters/tables';
import { SildTable } from '../../../lib/constructs/sild-table';
import { constructStack, resourceAt, resourcesOfType } from '../../support/synth';

function sildTable(layout: TableLayout, grant?: (table: SildTable, grantee: iam.IGrantable) => void) {
  const { stack } = constructStack();
  const table = new SildTable(stack, 'Log', { layout });
  const grantee = new iam.Role(stack, 'Fn', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  grant?.(table, grantee);
  const json = Template.fromStack(stack).toJSON();
  const { logicalId, resource } = resourceAt(json, '/Log/Table/Resource');
  const statements = () => resourceAt(json, '/Fn/DefaultPolicy/Resource').resource.Properties.PolicyDocument.Statement;
  return { resource, tableArn: { 'Fn::GetAtt': [logicalId, 'Arn'] }, statements };
}

describe('SildTable', () => {
  test('a layout with a stream gets a NEW_IMAGE stream (retention, encryption and removal policy unchanged); one without gets none', () => {
    const { resource } = sildTable(MESSAGE_LOG_TABLE);
    expect(resource.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    expect(resource.Properties.SSESpecification).toBeUndefined();
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(sildTable(REGISTRY_TABLE).resource.Properties.StreamSpecification).toBeUndefined();
  });

  test('grantStreamRead: ListStreams (no resource type) and reading this table’s stream only; refused on a table without one', () => {
    const { statements, resource } = sildTable(MESSAGE_LOG_TABLE, (table, grantee) => table.grantStreamRead(grantee));
    expect(resource).toBeDefined();
    const [list, read] = statements();
    expect(list).toEqual({ Action: 'dynamodb:ListStreams', Effect: 'Allow', Resource: '*' });
    expect(read.Action).toEqual(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']);
    expect(read.Resource).toEqual({ 'Fn::GetAtt': [expect.any(String), 'StreamArn'] });
    expect(() => sildTable(REGISTRY_TABLE, (table, grantee) => table.grantStreamRead(grantee))).toThrow('The table has no stream');
  });

  test('is on demand, with point-in-time recovery and deletion protection, and retained on deletion and replacement', () => {
    expect(sildTable(REGISTRY_TABLE).resource).toMatchObject({
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('keys, TTL and indexes follow the layout: string keys, INCLUDE projections of exactly the listed attributes', () => {
    const { Properties } = sildTable(MESSAGE_LOG_TABLE).resource;
    expect(Properties.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining(['pk', 'sk', 'sealWindow'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' }))),
    );
    expect(Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'seal-window',
        KeySchema: [{ AttributeName: 'sealWindow', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['recordHash', 'loggedAt'] },
      },
    ]);
  });

  test('a layout with only a partition key gets no sort key, TTL or index', () => {
    const { Properties } = sildTable({ partitionKey: 'id' }).resource;
    expect(Properties.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(Properties.TimeToLiveSpecification).toBeUndefined();
    expect(Properties.GlobalSecondaryIndexes).toBeUndefined();
  });

  test('grantItemActions allows exactly the named actions on the table itself — not its indexes, not other actions', () => {
    const { statements, tableArn } = sildTable(MESSAGE_LOG_TABLE, (table, grantee) => table.grantItemActions(grantee, ['GetItem', 'Scan']));
    expect(statements()).toEqual([{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Scan'], Resource: tableArn }]);
  });

  test.each([
    ['only', { only: ['SEAL'] }, { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SEAL'] } }],
    ['except', { except: ['CONFIG', 'SEAL'] }, { 'ForAllValues:StringNotEquals': { 'dynamodb:LeadingKeys': ['CONFIG', 'SEAL'] } }],
  ] as const)('grantItemActions with %s keys limits the grant to those partition keys', (_name, keys, Condition) => {
    const { statements, tableArn } = sildTable(MESSAGE_LOG_TABLE, (table, grantee) => table.grantItemActions(grantee, ['PutItem', 'Query'], keys));
    expect(statements()).toEqual([{ Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:Query'], Resource: tableArn, Condition }]);
  });

  test('a Scan limited to partition keys is refused (it has no key to check) and grants nothing', () => {
    const { stack } = constructStack();
    const table = new SildTable(stack, 'Log', { layout: MESSAGE_LOG_TABLE });
    const grantee = new iam.Role(stack, 'Fn', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(() => table.grantItemActions(grantee, ['GetItem', 'Scan'], { only: ['SEAL'] })).toThrow('A Scan cannot be limited to partition keys');
    expect(resourcesOfType(Template.fromStack(stack).toJSON(), 'AWS::IAM::Policy')).toEqual({});
  });

  test('grantIndexQuery allows Query on that one index only', () => {
    const { statements, tableArn } = sildTable(MESSAGE_LOG_TABLE, (table, grantee) => table.grantIndexQuery(grantee, 'seal-window'));
    expect(statements()).toEqual([{ Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [tableArn, '/index/seal-window']] } }]);
  });

  test('grantIndexQuery on an index the layout does not have is an error naming the index', () => {
    const { stack } = constructStack();
    const table = new SildTable(stack, 'Registry', { layout: REGISTRY_TABLE });
    const grantee = new iam.Role(stack, 'Fn', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(() => table.grantIndexQuery(grantee, 'seal-window')).toThrow('The table has no index seal-window');
  });
});
