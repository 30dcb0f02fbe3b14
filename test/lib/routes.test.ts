/**
 * The route table is what both the stacks and the local API front serve: its throttles become API Gateway method
 * settings, and the local front spends the same token buckets.
 */
import { methodSettingKeyOf, ROUTES, routesOf, tokenBucket } from '../../lib/routes';

describe('route table', () => {
  test("the central routes each have their own budget; the gateway routes use the stage's", () => {
    expect(Object.fromEntries(routesOf('central').map((route) => [methodSettingKeyOf(route), route.throttle]))).toEqual({
      '/globalconf/GET': { rateLimit: 40, burstLimit: 80 },
      '/join/POST': { rateLimit: 5, burstLimit: 10 },
    });
    expect(ROUTES.filter((route) => route.api !== 'central' && route.throttle)).toEqual([]);
  });

  test("an ANY route is keyed with * as API Gateway's method settings key it", () => {
    expect(methodSettingKeyOf(routesOf('provider')[0])).toBe('/{proxy+}/*');
  });
});

describe('tokenBucket', () => {
  test('a full bucket admits a burst, then admits at the steady rate', () => {
    let now = 0;
    const take = tokenBucket({ rateLimit: 5, burstLimit: 10 }, () => now);
    expect(Array.from({ length: 12 }, () => take()).filter(Boolean)).toHaveLength(10);
    now += 1000;
    expect(Array.from({ length: 12 }, () => take()).filter(Boolean)).toHaveLength(5);
    now += 200;
    expect([take(), take()]).toEqual([true, false]);
  });

  test('an idle bucket refills to the burst size, never beyond', () => {
    let now = 0;
    const take = tokenBucket({ rateLimit: 100, burstLimit: 3 }, () => now);
    now += 60_000;
    expect(Array.from({ length: 5 }, () => take())).toEqual([true, true, true, false, false]);
  });
});
