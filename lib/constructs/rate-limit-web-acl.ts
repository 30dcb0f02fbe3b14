/**
 * An AWS WAF web ACL for one API Gateway stage: a rate-based rule that blocks a source IP sending more than the
 * limit in any 5-minute window (AWS WAF's evaluation window), metrics on, everything else allowed. It keeps a
 * flood from one address off the functions behind an internet-facing API; the stage throttle bounds the rest.
 *
 * A provider API is called by other gateways, and one address may carry a whole peer: a NAT gateway per Availability
 * Zone (a gateway in a VPC) or Lambda's shared egress addresses. So requests carrying a signed Sild message (the
 * manifest and signature headers every gateway-to-gateway request has) get a limit of their own
 * (`signedMessageLimitPer5Minutes`), and the strict limit applies to the rest. WAF cannot check the signature — the
 * provider side does, before any work but a verification —, so whoever adds the two headers gets the higher limit:
 * it bounds what one address may send at all, the stage throttle and reserved concurrency bound the rest. Requests
 * are split by scope-down statements, not by custom aggregation keys on those headers: a request missing a key's
 * component is not rate limited at all, and a key on a value the sender chooses gives every request its own count
 * (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-aggregation-options.html).
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
import { MANIFEST_HEADER, SIGNATURE_HEADER } from '../../lambdas/core/trust/manifest';

/** The headers every signed Sild message carries (gateway to gateway): what marks a peer's request. */
export const SIGNED_MESSAGE_HEADERS: readonly string[] = [MANIFEST_HEADER, SIGNATURE_HEADER];

export interface RateLimitWebAclProps {
  /** The stage the web ACL protects. */
  readonly stage: apigateway.Stage;
  /**
   * Requests per source IP per 5 minutes before the IP is blocked (AWS WAF's minimum is 10); with
   * `signedMessageLimitPer5Minutes`, of the requests that do not carry a signed Sild message.
   */
  readonly limitPer5Minutes: number;
  /**
   * Requests per source IP per 5 minutes that carry a signed Sild message (`SIGNED_MESSAGE_HEADERS`, both present and
   * not empty) before the IP is blocked from sending more of them: what a peer gateway's address needs.
   * @default - no limit of their own: they count under `limitPer5Minutes` like any request
   */
  readonly signedMessageLimitPer5Minutes?: number;
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
    const perIp = (limit: number, scopeDownStatement?: wafv2.CfnWebACL.StatementProperty): wafv2.CfnWebACL.StatementProperty => ({
      rateBasedStatement: { limit, aggregateKeyType: 'IP', evaluationWindowSec: 300, ...(scopeDownStatement ? { scopeDownStatement } : {}) },
    });
    const signedMessageLimit = props.signedMessageLimitPer5Minutes;
    const rules: Omit<wafv2.CfnWebACL.RuleProperty, 'priority'>[] = [
      {
        name: 'RateLimitPerIp',
        action: { block: {} },
        statement: perIp(props.limitPer5Minutes, signedMessageLimit === undefined ? undefined : { notStatement: { statement: SIGNED_MESSAGE } }),
        visibilityConfig: visibility('rate'),
      },
      ...(signedMessageLimit === undefined
        ? []
        : [
            {
              name: 'RateLimitPerIpSignedMessages',
              action: { block: {} },
              statement: perIp(signedMessageLimit, SIGNED_MESSAGE),
              visibilityConfig: visibility('signed-message-rate'),
            },
          ]),
      ...(signedPaths.length === 0
        ? []
        : [
            {
              name: 'BlockUnsignedOnSignedPaths',
              action: { block: {} },
              statement: { andStatement: { statements: [signedPathStatement(signedPaths), { notStatement: { statement: SIGV4_AUTHORIZATION } }] } },
              visibilityConfig: visibility('unsigned'),
            },
            {
              name: 'RateLimitPerIpOnSignedPaths',
              action: { block: {} },
              statement: perIp(props.signedPathLimitPer5Minutes ?? 100, signedPathStatement(signedPaths)),
              visibilityConfig: visibility('signed-rate'),
            },
          ]),
    ];
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description:
        signedMessageLimit === undefined
          ? `Rate limit per source IP: ${props.limitPer5Minutes} requests per 5 minutes`
          : `Rate limit per source IP per 5 minutes: ${props.limitPer5Minutes} requests without a signed Sild message, ${signedMessageLimit} with one`,
      visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: false, metricName: metric },
      rules: rules.map((rule, priority) => ({ ...rule, priority })),
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
  byteMatchStatement: {
    fieldToMatch: { singleHeader: { Name: 'authorization' } },
    positionalConstraint: 'STARTS_WITH',
    searchString: 'AWS4-HMAC-SHA256 ',
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
};

/**
 * The request carries a signed Sild message: each of its headers present with a value — AWS WAF's documented test for
 * a header's presence (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rate-based-example-limit-missing-header.html).
 * WAF sees at most the first 8 KB and 200 headers of a request
 * (https://docs.aws.amazon.com/waf/latest/developerguide/waf-oversize-request-components.html), so the consumer side
 * sends these headers first.
 */
const SIGNED_MESSAGE: wafv2.CfnWebACL.StatementProperty = {
  andStatement: {
    statements: SIGNED_MESSAGE_HEADERS.map((name) => ({
      sizeConstraintStatement: {
        fieldToMatch: { singleHeader: { Name: name } },
        comparisonOperator: 'GT',
        size: 0,
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    })),
  },
};

/** The URI path ends with one of the paths (a REST API stage URL puts the stage name in front). */
function signedPathStatement(paths: readonly string[]): wafv2.CfnWebACL.StatementProperty {
  const matches = paths.map((path): wafv2.CfnWebACL.StatementProperty => ({
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'ENDS_WITH',
      searchString: path,
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  }));
  return matches.length === 1 ? matches[0] : { orStatement: { statements: matches } };
}
