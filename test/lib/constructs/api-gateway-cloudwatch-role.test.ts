/**
 * ApiGatewayCloudWatchRole promises the account-level setting API Gateway needs to write stage logs: a role only API
 * Gateway may assume, carrying only the AWS-managed push-to-CloudWatch-Logs policy, set as the account's CloudWatch
 * role — and both kept when the stack is deleted, since other APIs in the account may log through them.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { ApiGatewayCloudWatchRole } from '../../../lib/constructs/api-gateway-cloudwatch-role';
import { constructStack, resourceAt, resourcesOfType } from '../../support/synth';

const { stack } = constructStack();
new ApiGatewayCloudWatchRole(stack, 'Logging');
const json = Template.fromStack(stack).toJSON();
const role = resourceAt(json, '/Logging/Role/Resource');
const account = resourceAt(json, '/Logging/Account');

describe('ApiGatewayCloudWatchRole', () => {
  test('the role can be assumed by API Gateway only and carries nothing but the AWS-managed push-to-CloudWatch-Logs policy', () => {
    expect(role.resource.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } },
    ]);
    expect(role.resource.Properties.ManagedPolicyArns).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs']] },
    ]);
    expect(role.resource.Properties.Policies).toBeUndefined();
    expect(resourcesOfType(json, 'AWS::IAM::Policy')).toEqual({});
  });

  test("the account's API Gateway CloudWatch role is set to this role", () => {
    expect(account.resource.Type).toBe('AWS::ApiGateway::Account');
    expect(account.resource.Properties).toEqual({ CloudWatchRoleArn: { 'Fn::GetAtt': [role.logicalId, 'Arn'] } });
  });

  test('the role and the account setting are kept when the stack is deleted or the resource replaced', () => {
    for (const { resource } of [role, account]) {
      expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });
});
