/**
 * An AWS WAF web ACL for one API Gateway stage: a rate-based rule that blocks a source IP sending more than the
 * limit in any 5-minute window (AWS WAF's evaluation window), metrics on, everything else allowed. It keeps a
 * flood from one address off the functions behind an internet-facing API; the stage throttle bounds the rest.
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface RateLimitWebAclProps {
  /** The stage the web ACL protects. */
  readonly stage: apigateway.Stage;
  /** Requests per source IP per 5 minutes before the IP is blocked (AWS WAF's minimum is 10). */
  readonly limitPer5Minutes: number;
  /** Metric name prefix (CloudWatch `AWS/WAFV2`). */
  readonly metricName: string;
}

export class RateLimitWebAcl extends Construct {
  public readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: RateLimitWebAclProps) {
    super(scope, id);
    const metric = props.metricName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description: `Rate limit per source IP: ${props.limitPer5Minutes} requests per 5 minutes`,
      visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: false, metricName: metric },
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: props.limitPer5Minutes, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: false, metricName: `${metric}-rate` },
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', { resourceArn: props.stage.stageArn, webAclArn: this.webAcl.attrArn });
  }
}
