/**
 * RateLimitWebAcl promises an AWS WAF web ACL on one API Gateway stage that blocks a source IP sending more than the
 * limit in any 5-minute window and allows everything else, with CloudWatch metrics under a valid name.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { RateLimitWebAcl } from '../../../lib/constructs/rate-limit-web-acl';
import { constructStack, resourceAt } from '../../support/synth';

function webAcl(limitPer5Minutes: number, metricName: string) {
  const { stack } = constructStack();
  const api = new apigateway.RestApi(stack, 'Api', { cloudWatchRole: false });
  api.root.addMethod('GET', new apigateway.MockIntegration());
  new RateLimitWebAcl(stack, 'RateLimit', { stage: api.deploymentStage, limitPer5Minutes, metricName });
  const json = Template.fromStack(stack).toJSON();
  return { json, acl: resourceAt(json, '/RateLimit/WebAcl') };
}

describe('RateLimitWebAcl', () => {
  const { json, acl } = webAcl(250, 'sild-DEV-central');

  test('a regional web ACL that allows by default and blocks a source IP above the limit per 5 minutes', () => {
    expect(acl.resource.Properties).toMatchObject({
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Description: 'Rate limit per source IP: 250 requests per 5 minutes',
      Rules: [
        {
          Name: 'RateLimitPerIp',
          Priority: 0,
          Action: { Block: {} },
          Statement: { RateBasedStatement: { Limit: 250, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
        },
      ],
    });
    expect(acl.resource.Properties.Rules).toHaveLength(1);
  });

  test('is associated with the given stage', () => {
    const association = resourceAt(json, '/RateLimit/Association').resource.Properties;
    expect(association.WebACLArn).toEqual({ 'Fn::GetAtt': [acl.logicalId, 'Arn'] });
    expect(association.ResourceArn).toEqual({
      'Fn::Join': ['', ['arn:aws:apigateway:eu-north-1::/restapis/', { Ref: resourceAt(json, '/Api/Resource').logicalId }, '/stages/', { Ref: resourceAt(json, '/Api/DeploymentStage.prod/Resource').logicalId }]],
    });
  });

  test('publishes CloudWatch metrics for the ACL and the rule under the given name, without sampling requests', () => {
    expect(acl.resource.Properties.VisibilityConfig).toEqual({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: false, MetricName: 'sild-DEV-central' });
    expect(acl.resource.Properties.Rules[0].VisibilityConfig).toEqual({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: false, MetricName: 'sild-DEV-central-rate' });
  });

  test('a metric name with characters WAF rejects is made valid and kept within 100 characters', () => {
    const { acl: renamed } = webAcl(3000, `sild EE/tax.board ${'x'.repeat(200)}`);
    const metric = renamed.resource.Properties.VisibilityConfig.MetricName;
    expect(metric).toBe(`sild-EE-tax-board-${'x'.repeat(82)}`);
    expect(renamed.resource.Properties.Rules[0].VisibilityConfig.MetricName).toBe(`${metric}-rate`);
  });
});
