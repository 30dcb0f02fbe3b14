/**
 * RateLimitWebAcl promises an AWS WAF web ACL on one API Gateway stage that blocks a source IP sending more than the
 * limit in any 5-minute window and allows everything else, with CloudWatch metrics under a valid name; given a limit
 * for signed Sild messages, it counts requests carrying both signature headers under that limit and the others under
 * the strict one; given signed (IAM-only) paths, it also blocks requests to them without a SigV4 `Authorization`
 * header and bounds each source IP's requests to them.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { RateLimitWebAcl, type RateLimitWebAclProps } from '../../../lib/constructs/rate-limit-web-acl';
import { constructStack, resourceAt } from '../../support/synth';

function webAcl(
  limitPer5Minutes: number,
  metricName: string,
  signed: Pick<RateLimitWebAclProps, 'signedPaths' | 'signedPathLimitPer5Minutes' | 'signedMessageLimitPer5Minutes'> = {},
) {
  const { stack } = constructStack();
  const api = new apigateway.RestApi(stack, 'Api', { cloudWatchRole: false });
  api.root.addMethod('GET', new apigateway.MockIntegration());
  new RateLimitWebAcl(stack, 'RateLimit', { stage: api.deploymentStage, limitPer5Minutes, metricName, ...signed });
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
      'Fn::Join': [
        '',
        [
          'arn:aws:apigateway:eu-north-1::/restapis/',
          { Ref: resourceAt(json, '/Api/Resource').logicalId },
          '/stages/',
          { Ref: resourceAt(json, '/Api/DeploymentStage.prod/Resource').logicalId },
        ],
      ],
    });
  });

  test('publishes CloudWatch metrics for the ACL and the rule under the given name, without sampling requests', () => {
    expect(acl.resource.Properties.VisibilityConfig).toEqual({
      CloudWatchMetricsEnabled: true,
      SampledRequestsEnabled: false,
      MetricName: 'sild-DEV-central',
    });
    expect(acl.resource.Properties.Rules[0].VisibilityConfig).toEqual({
      CloudWatchMetricsEnabled: true,
      SampledRequestsEnabled: false,
      MetricName: 'sild-DEV-central-rate',
    });
  });

  test('a metric name with characters WAF rejects is made valid and kept within 100 characters', () => {
    const { acl: renamed } = webAcl(3000, `sild EE/tax.board ${'x'.repeat(200)}`);
    const metric = renamed.resource.Properties.VisibilityConfig.MetricName;
    expect(metric).toBe(`sild-EE-tax-board-${'x'.repeat(82)}`);
    expect(renamed.resource.Properties.Rules[0].VisibilityConfig.MetricName).toBe(`${metric}-rate`);
  });

  describe('with a limit for signed messages (a provider API)', () => {
    const present = (name: string) => ({
      SizeConstraintStatement: {
        FieldToMatch: { SingleHeader: { Name: name } },
        ComparisonOperator: 'GT',
        Size: 0,
        TextTransformations: [{ Priority: 0, Type: 'NONE' }],
      },
    });
    const signedMessage = { AndStatement: { Statements: [present('x-sild-manifest'), present('x-sild-signature')] } };
    const { acl: provider } = webAcl(3000, 'sild-DEV-tax-board-provider', { signedMessageLimitPer5Minutes: 60_000 });
    const rules = provider.resource.Properties.Rules;

    test('the strict limit counts only requests without both signature headers (present and not empty)', () => {
      expect(rules[0]).toEqual({
        Name: 'RateLimitPerIp',
        Priority: 0,
        Action: { Block: {} },
        Statement: {
          RateBasedStatement: {
            Limit: 3000,
            AggregateKeyType: 'IP',
            EvaluationWindowSec: 300,
            ScopeDownStatement: { NotStatement: { Statement: signedMessage } },
          },
        },
        VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: false, MetricName: 'sild-DEV-tax-board-provider-rate' },
      });
    });

    test('requests carrying them fall under their own per-IP limit, so a peer gateway’s address at 100 messages a second (30,000 per 5 minutes) passes', () => {
      expect(rules[1]).toEqual({
        Name: 'RateLimitPerIpSignedMessages',
        Priority: 1,
        Action: { Block: {} },
        Statement: { RateBasedStatement: { Limit: 60_000, AggregateKeyType: 'IP', EvaluationWindowSec: 300, ScopeDownStatement: signedMessage } },
        VisibilityConfig: {
          CloudWatchMetricsEnabled: true,
          SampledRequestsEnabled: false,
          MetricName: 'sild-DEV-tax-board-provider-signed-message-rate',
        },
      });
      expect(rules).toHaveLength(2);
      expect(provider.resource.Properties.Description).toBe(
        'Rate limit per source IP per 5 minutes: 3000 requests without a signed Sild message, 60000 with one',
      );
    });

    // Custom aggregation keys on the headers would not do: a request missing a key is not rate limited at all, and a
    // value the sender chooses makes every request its own aggregation instance.
    test('each request falls under exactly one of the two rate rules, aggregated by source IP only', () => {
      expect(rules.map((rule: any) => rule.Statement.RateBasedStatement.AggregateKeyType)).toEqual(['IP', 'IP']);
      expect(rules.map((rule: any) => rule.Statement.RateBasedStatement.CustomKeys)).toEqual([undefined, undefined]);
      expect(rules[0].Statement.RateBasedStatement.ScopeDownStatement).toEqual({
        NotStatement: { Statement: rules[1].Statement.RateBasedStatement.ScopeDownStatement },
      });
    });
  });

  describe('with signed paths', () => {
    const endsWith = (path: string) => ({
      ByteMatchStatement: {
        FieldToMatch: { UriPath: {} },
        PositionalConstraint: 'ENDS_WITH',
        SearchString: path,
        TextTransformations: [{ Priority: 0, Type: 'NONE' }],
      },
    });
    const sigV4 = {
      ByteMatchStatement: {
        FieldToMatch: { SingleHeader: { Name: 'authorization' } },
        PositionalConstraint: 'STARTS_WITH',
        SearchString: 'AWS4-HMAC-SHA256 ',
        TextTransformations: [{ Priority: 0, Type: 'NONE' }],
      },
    };

    test('blocks a request to a signed path without a SigV4 Authorization header, before API Gateway spends its budget', () => {
      const { acl: signed } = webAcl(3000, 'sild-DEV-central', { signedPaths: ['/join'] });
      expect(signed.resource.Properties.Rules[0].Name).toBe('RateLimitPerIp');
      expect(signed.resource.Properties.Rules[1]).toEqual({
        Name: 'BlockUnsignedOnSignedPaths',
        Priority: 1,
        Action: { Block: {} },
        Statement: { AndStatement: { Statements: [endsWith('/join'), { NotStatement: { Statement: sigV4 } }] } },
        VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: false, MetricName: 'sild-DEV-central-unsigned' },
      });
    });

    test('bounds what one source IP may send to the signed paths: 100 per 5 minutes by default, or the given limit', () => {
      const rateOf = (acl: ReturnType<typeof webAcl>['acl']) => acl.resource.Properties.Rules[2];
      expect(rateOf(webAcl(3000, 'sild-DEV-central', { signedPaths: ['/join'] }).acl)).toEqual({
        Name: 'RateLimitPerIpOnSignedPaths',
        Priority: 2,
        Action: { Block: {} },
        Statement: { RateBasedStatement: { Limit: 100, AggregateKeyType: 'IP', EvaluationWindowSec: 300, ScopeDownStatement: endsWith('/join') } },
        VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: false, MetricName: 'sild-DEV-central-signed-rate' },
      });
      const two = rateOf(webAcl(3000, 'x', { signedPaths: ['/join', '/admin'], signedPathLimitPer5Minutes: 20 }).acl);
      expect(two.Statement.RateBasedStatement).toMatchObject({
        Limit: 20,
        ScopeDownStatement: { OrStatement: { Statements: [endsWith('/join'), endsWith('/admin')] } },
      });
    });
  });
});
