/**
 * An AWS WAF web ACL for one API Gateway stage: a rate-based rule that blocks a source IP sending more than the
 * limit in any 5-minute window (AWS WAF's evaluation window), metrics on, everything else allowed. It keeps a
 * flood from one address off the functions behind an internet-facing API; the stage throttle bounds the rest.
 *
 * Paths only IAM may call (`signedPaths`, e.g. the central's `/join`) get two more rules, so that strangers cannot
 * spend such a route's small throttle budget: a request without a SigV4 `Authorization` header is blocked, and one
 * source IP may send at most `signedPathLimitPer5Minutes` requests to them. AWS WAF is evaluated before API Gateway's
 * own access control ("before other access control features, such as resource policies, IAM policies, Lambda
 * authorizers": https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html),
 * and AWS does not document whether a request IAM refuses is counted against the method's throttle.
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
  /**
   * Resource paths of routes that require IAM (SigV4) authorization, without path parameters (`/join`). Matched as the
   * end of the request's URI path, which may carry the stage name in front.
   * @default - none: no rules beyond the rate limit
   */
  readonly signedPaths?: readonly string[];
  /**
   * Requests per source IP per 5 minutes to the signed paths before the IP is blocked from them (AWS WAF's minimum is 10).
   * @default 100 — a gateway joins once per deployment
   */
  readonly signedPathLimitPer5Minutes?: number;
}

export class RateLimitWebAcl extends Construct {
  public readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: RateLimitWebAclProps) {
    super(scope, id);
    const metric = props.metricName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);
    const signedPaths = props.signedPaths ?? [];
    const visibility = (suffix: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: false, metricName: `${metric}-${suffix}` });
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
          visibilityConfig: visibility('rate'),
        },
        ...(signedPaths.length === 0
          ? []
          : [
              {
                name: 'BlockUnsignedOnSignedPaths',
                priority: 1,
                action: { block: {} },
                statement: { andStatement: { statements: [signedPathStatement(signedPaths), { notStatement: { statement: SIGV4_AUTHORIZATION } }] } },
                visibilityConfig: visibility('unsigned'),
              },
              {
                name: 'RateLimitPerIpOnSignedPaths',
                priority: 2,
                action: { block: {} },
                statement: {
                  rateBasedStatement: { limit: props.signedPathLimitPer5Minutes ?? 100, aggregateKeyType: 'IP', evaluationWindowSec: 300, scopeDownStatement: signedPathStatement(signedPaths) },
                },
                visibilityConfig: visibility('signed-rate'),
              },
            ]),
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', { resourceArn: props.stage.stageArn, webAclArn: this.webAcl.attrArn });
  }
}

/**
 * A header-signed SigV4 request (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html);
 * Sild's callers of IAM routes sign headers, so query-string signing is not let through. (`singleHeader` is untyped
 * JSON in CDK, passed to CloudFormation as written: hence `Name`.)
 */
const SIGV4_AUTHORIZATION: wafv2.CfnWebACL.StatementProperty = {
  byteMatchStatement: { fieldToMatch: { singleHeader: { Name: 'authorization' } }, positionalConstraint: 'STARTS_WITH', searchString: 'AWS4-HMAC-SHA256 ', textTransformations: [{ priority: 0, type: 'NONE' }] },
};

/** The URI path ends with one of the paths (a REST API stage URL puts the stage name in front). */
function signedPathStatement(paths: readonly string[]): wafv2.CfnWebACL.StatementProperty {
  const matches = paths.map((path): wafv2.CfnWebACL.StatementProperty => ({
    byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint: 'ENDS_WITH', searchString: path, textTransformations: [{ priority: 0, type: 'NONE' }] },
  }));
  return matches.length === 1 ? matches[0] : { orStatement: { statements: matches } };
}
