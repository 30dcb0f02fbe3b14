/**
 * How gateways get the global configuration from a central, decided from the central's config alone: from its CDN
 * (CloudFront in front of the bucket — the default, ADR 0007) or, with `central.configurationCdn: false`, from the
 * central API's `GET /globalconf` (its own throttle in the route table). For the stacks and for a pre-flight check.
 */
import { routesOf } from '../routes';

export interface ConfigurationDistribution {
  /** The central deploys its CloudFront distribution (and the `GlobalConfigurationUrl` output). */
  readonly cdn: boolean;
  /** What to tell an operator about this choice. */
  readonly guidance: string;
}

/**
 * What a pre-flight prints when CloudFront refuses distributions in the central's account (a new account, until AWS
 * verifies it; a read-only call cannot tell).
 */
export const CLOUDFRONT_UNAVAILABLE_GUIDANCE =
  "CloudFront may refuse to create distributions in a new AWS account until AWS verifies the account (a read-only check cannot tell). If the central's first deploy fails on its CloudFront distribution, set central.configurationCdn: false and deploy again: the central then has no CDN and gateways read the global configuration from the central API (GET /globalconf). Ask AWS Support to verify the account for CloudFront; once it is, set central.configurationCdn: true, deploy the central, and set central.configurationUrl (agencies: central.configurationUrl in their gateway config) to its GlobalConfigurationUrl output.";

export function configurationDistribution(central: { readonly configurationCdn: boolean }): ConfigurationDistribution {
  const route = routesOf('central').find((candidate) => candidate.method === 'GET' && candidate.path === '/globalconf');
  const throttle = route?.throttle ? `${route.throttle.rateLimit} requests/s with bursts of ${route.throttle.burstLimit}` : "the stage's throttle";
  return central.configurationCdn
    ? {
        cdn: true,
        guidance:
          'The central distributes the global configuration through CloudFront (GlobalConfigurationUrl output): set it as central.configurationUrl, and gateways read it there first and the central API last.',
      }
    : {
        cdn: false,
        guidance: `The central deploys without its CloudFront distribution (central.configurationCdn: false): gateways read the global configuration from the central API (GET /globalconf, ${throttle} — about one read a minute per gateway function instance), and a flood of reads lands on the central API instead of CloudFront. Set central.configurationCdn: true once CloudFront accepts distributions in the account.`,
      };
}
