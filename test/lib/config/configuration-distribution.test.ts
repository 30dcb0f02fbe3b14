/**
 * configurationDistribution says, from the central's config alone, where gateways read the global configuration:
 * the CDN by default, the central API with `central.configurationCdn: false`; and the text a pre-flight prints when
 * CloudFront does not accept distributions in a new account names the switch and the way back.
 */
import { CLOUDFRONT_UNAVAILABLE_GUIDANCE, configurationDistribution } from '../../../lib/config/configuration-distribution';
import { demoConfig } from '../../support/synth';

describe('configurationDistribution', () => {
  test('by default the CDN (central.configurationCdn defaults to true)', () => {
    expect(demoConfig().central.configurationCdn).toBe(true);
    expect(configurationDistribution(demoConfig().central)).toMatchObject({
      cdn: true,
      guidance: expect.stringMatching(/GlobalConfigurationUrl output.*central\.configurationUrl/),
    });
  });

  test('without it, the central API, with the budget of GET /globalconf from the route table', () => {
    expect(configurationDistribution({ configurationCdn: false })).toMatchObject({
      cdn: false,
      guidance: expect.stringMatching(/GET \/globalconf, 40 requests\/s with bursts of 80/),
    });
  });

  test('the pre-flight guidance names the switch, the fallback and the way back', () => {
    expect(CLOUDFRONT_UNAVAILABLE_GUIDANCE).toMatch(/central\.configurationCdn: false/);
    expect(CLOUDFRONT_UNAVAILABLE_GUIDANCE).toMatch(/GET \/globalconf/);
    expect(CLOUDFRONT_UNAVAILABLE_GUIDANCE).toMatch(/central\.configurationCdn: true.*GlobalConfigurationUrl output/);
  });
});
