/**
 * A gateway in the agency's VPC: which of its functions run there (`vpc.functions`), and the layouts that cannot
 * work, refused at synth with what to change.
 *
 * Functions in a VPC reach nothing outside it by themselves: the global configuration (the central's CloudFront
 * distribution, the central API), other gateways' provider APIs and S3 presigned URLs are on the internet, so the
 * subnets need a route to a NAT gateway; VPC endpoints (gateway endpoints for DynamoDB and S3, an interface endpoint for
 * KMS) only take the AWS calls off it. And an execute-api interface endpoint with private DNS makes every
 * `*.execute-api.<its Region>.amazonaws.com` name in that VPC resolve to the endpoint, which serves private APIs only:
 * regional APIs — the central's, other gateways' provider sides — answer 403 from there ("If you turn on private DNS,
 * you can't access the default endpoint for public APIs":
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-apis.html). That is the VPC a private
 * consumer side's clients usually sit in, so only the provider side (which calls the backends there) goes into it by
 * default, reading the configuration from the CDN.
 */

/** The gateway functions that may run in the VPC. */
export type GatewayFunctionName = 'consumer' | 'provider' | 'sealer' | 'canary';

/** `vpc.functions` → the functions placed in the VPC (the registrar never is: it talks only to KMS and the central). */
export const FUNCTIONS_IN_VPC: Readonly<Record<'provider' | 'all', readonly GatewayFunctionName[]>> = {
  provider: ['provider'],
  all: ['consumer', 'provider', 'sealer', 'canary'],
};

/** The Region of an execute-api URL (`https://id.execute-api.REGION.amazonaws.com/stage`), if it is one. */
export function executeApiRegionOf(url: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(url).hostname)?.[1];
}

/** What the layout checks read: the agency's VPC settings and Region, and where its central is. */
export interface VpcLayoutInput {
  readonly region: string;
  readonly vpc?: { readonly functions: 'provider' | 'all'; readonly executeApiPrivateDns: boolean };
  readonly central: {
    /** The central API's URL. */
    readonly url?: string;
    /** The central's CDN URL (`GlobalConfigurationUrl`). */
    readonly configurationUrl?: string;
    /** Whether the central deploys its CDN (known only in the all-in-one file). */
    readonly configurationCdn?: boolean;
  };
}

/** Reports each layout that cannot work, as `(field under vpc, message)`. */
export function checkVpcLayout(input: VpcLayoutInput, issue: (field: 'functions' | 'executeApiPrivateDns', message: string) => void): void {
  const { vpc, central, region } = input;
  if (!vpc?.executeApiPrivateDns) return;
  if (vpc.functions === 'all') {
    issue(
      'functions',
      `"all" puts the consumer side and the canary into a VPC whose execute-api names resolve to an interface endpoint (executeApiPrivateDns): their calls to other gateways' provider APIs and to the central API (regional execute-api URLs of ${region}) would reach the endpoint and be refused (403). Keep "provider" (the consumer side runs outside the VPC), or place the functions in subnets of a VPC without private DNS for execute-api`,
    );
  }
  // The provider side reads the configuration from the CDN first, the central API last: here only the CDN works.
  const centralApiUnreachable = central.url !== undefined && executeApiRegionOf(central.url) === region;
  if (central.configurationCdn === false) {
    issue(
      'executeApiPrivateDns',
      "the provider side in this VPC cannot reach the central API (execute-api names resolve to the VPC's interface endpoint), and the central runs without its CDN (central.configurationCdn: false): it could never read the global configuration. Deploy the central with its CDN, or place the gateway functions in a VPC without private DNS for execute-api",
    );
  } else if (centralApiUnreachable && central.configurationUrl === undefined) {
    issue(
      'executeApiPrivateDns',
      `the provider side in this VPC cannot reach the central API (${central.url}: execute-api names of ${region} resolve to the VPC's interface endpoint), so it must read the global configuration from the central's CDN: set central.configurationUrl to the central's GlobalConfigurationUrl output`,
    );
  }
}
