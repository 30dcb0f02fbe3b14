/**
 * TableItem promises one DynamoDB item written at deploy time by a custom resource: the item is a property of the
 * resource (so `cdk diff` shows every change), it is put on create and on every update under a stable physical id,
 * and the only permission it adds is `dynamodb:PutItem` on its own table. All items of a stack share one provider.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { REGISTRY_TABLE } from '../../../lambdas/adapters/tables';
import { SildTable } from '../../../lib/constructs/sild-table';
import { TableItem } from '../../../lib/constructs/table-item';
import { constructStack, customResourceCall, resourceAt, resourcesOfType } from '../../support/synth';

const ALLOW_LIST = { pk: { S: 'CONFIG' }, sk: { S: 'JOIN-ALLOW-LIST' }, agencies: { S: '[{"name":"tax-board"}]' } };
const GROUPS = { pk: { S: 'CONFIG' }, sk: { S: 'GLOBAL-GROUPS' }, groups: { S: '[]' } };

const { stack } = constructStack();
const registry = new SildTable(stack, 'Registry', { layout: REGISTRY_TABLE });
const other = new SildTable(stack, 'Other', { layout: REGISTRY_TABLE });
new TableItem(stack, 'AllowList', {
  table: registry,
  item: ALLOW_LIST,
  resourceType: 'Custom::SildJoinAllowList',
  physicalId: 'DEV-join-allow-list',
});
new TableItem(stack, 'Groups', {
  table: other,
  item: GROUPS,
  resourceType: 'Custom::SildGlobalGroups',
  physicalId: 'DEV-global-groups',
  review: { members: ['b: 2', 'a: 1'] },
});
const json = Template.fromStack(stack).toJSON();
const arnOf = (path: string) => ({ 'Fn::GetAtt': [resourceAt(json, path).logicalId, 'Arn'] });

describe('TableItem', () => {
  const { resource: allowList } = resourceAt(json, '/AllowList/Resource/Resource/Default');

  test('a resource of the given type puts the item (verbatim in its properties) on create and on every update, under the stable physical id', () => {
    expect(allowList.Type).toBe('Custom::SildJoinAllowList');
    for (const phase of ['Create', 'Update'] as const) {
      expect(customResourceCall(allowList, phase, 'registry-table')).toEqual({
        service: 'DynamoDB',
        action: 'putItem',
        parameters: { TableName: 'registry-table', Item: ALLOW_LIST },
        physicalResourceId: { id: 'DEV-join-allow-list' },
      });
    }
    expect(JSON.stringify(allowList.Properties.Create)).toContain(resourceAt(json, '/Registry/Table/Resource').logicalId);
    expect(allowList.Properties.InstallLatestAwsSdk).toBe(false);
  });

  test('each item may only PutItem into its own table', () => {
    expect(resourceAt(json, '/AllowList/Resource/CustomResourcePolicy/Resource').resource.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: arnOf('/Registry/Table/Resource') },
    ]);
    expect(resourceAt(json, '/Groups/Resource/CustomResourcePolicy/Resource').resource.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: arnOf('/Other/Table/Resource') },
    ]);
  });

  test('the item is written only after its permission exists', () => {
    expect(allowList.DependsOn).toEqual([resourceAt(json, '/AllowList/Resource/CustomResourcePolicy/Resource').logicalId]);
  });

  test('all items of a stack share one provider function, whose role has no other inline permission', () => {
    const functions = Object.keys(resourcesOfType(json, 'AWS::Lambda::Function'));
    expect(functions).toHaveLength(1);
    const tokens = Object.values({ ...resourcesOfType(json, 'Custom::SildJoinAllowList'), ...resourcesOfType(json, 'Custom::SildGlobalGroups') }).map(
      (item) => item.Properties.ServiceToken,
    );
    expect(tokens).toEqual([{ 'Fn::GetAtt': [functions[0], 'Arn'] }, { 'Fn::GetAtt': [functions[0], 'Arn'] }]);
    expect(Object.values(resourcesOfType(json, 'AWS::IAM::Policy')).map((policy) => policy.Metadata['aws:cdk:path'])).toEqual([
      'Test/AllowList/Resource/CustomResourcePolicy/Resource',
      'Test/Groups/Resource/CustomResourcePolicy/Resource',
    ]);
  });

  test('review lines are kept sorted in the resource metadata, where cdk diff shows each added or removed line', () => {
    const [groups] = Object.values(resourcesOfType(json, 'Custom::SildGlobalGroups'));
    expect(groups.Metadata['sild:members']).toEqual(['a: 1', 'b: 2']);
    const [allowList] = Object.values(resourcesOfType(json, 'Custom::SildJoinAllowList'));
    expect(Object.keys(allowList.Metadata ?? {}).filter((key) => key.startsWith('sild:'))).toEqual([]);
  });
});
