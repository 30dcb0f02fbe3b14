/**
 * `GET /health` on the consumer side: 200 with every check ok on a working gateway; 503 naming the failing check
 * when sealing has stopped (before and while it fails closed), when the configuration has expired, and when the
 * gateway's key is no longer in the configuration. No payload, no secret: ages, versions and key ids only.
 */
import { startMemoryEcosystem, type MemoryEcosystem } from '../../../support/memory-ecosystem';
import { gatewayHealth, type HealthAnswer } from '../../../../lambdas/core/exchange/health';

let ecosystem: MemoryEcosystem;
beforeEach(async () => {
  ecosystem = await startMemoryEcosystem();
});

const health = async () => {
  const response = await ecosystem.call('/health');
  return { status: response.status, answer: ecosystem.json(response) as HealthAnswer };
};

describe('GET /health', () => {
  test('a working gateway: 200, the configuration version and age, the seal lag, the session key and its validity', async () => {
    await ecosystem.sealAll();
    const { status, answer } = await health();
    expect(status).toBe(200);
    expect(answer).toMatchObject({
      status: 'ok',
      gateway: ecosystem.consumer.settings.gatewayId,
      checks: {
        globalConfiguration: { ok: true, version: expect.any(Number), ageSeconds: expect.any(Number) },
        sealing: { ok: true, sealed: true, lagSeconds: expect.any(Number), maxLagSeconds: 600, failClosed: false },
        signing: { ok: true, mode: 'session', validSeconds: expect.any(Number) },
      },
    });
    expect(answer.checks.signing.validSeconds).toBeGreaterThan(0);
  });

  test('sealing that stopped: 503 naming the lag once it passes the limit', async () => {
    await ecosystem.sealAll();
    ecosystem.clock.advance(11 * 60_000);
    const { status, answer } = await health();
    expect(status).toBe(503);
    expect(answer.status).toBe('failing');
    expect(answer.checks.sealing).toMatchObject({
      ok: false,
      failClosed: true,
      problem: expect.stringMatching(/has not been sealed for \d+ s \(limit 600 s\)/),
    });
  });

  test('an expired configuration the central cannot renew: 503 naming it', async () => {
    await ecosystem.sealAll();
    await ecosystem.call('/health'); // holds a configuration
    ecosystem.http.route('https://central.test/prod', async () => ({ status: 503, headers: {}, body: Buffer.alloc(0) }));
    ecosystem.clock.advance(11 * 60_000);
    const answer = await gatewayHealth(ecosystem.consumer.deps);
    expect(answer.checks.globalConfiguration).toMatchObject({ ok: false, problem: expect.stringMatching(/expired/) });
  });

  test('a gateway whose key is no longer published (removed from the registry): 503 on signing', async () => {
    await ecosystem.sealAll();
    await ecosystem.registry.remove('consumer-gw');
    ecosystem.clock.advance(61_000);
    await ecosystem.sealAll();
    const answer = await gatewayHealth(ecosystem.consumer.deps);
    expect(answer.checks.signing).toMatchObject({ ok: false, problem: expect.stringMatching(/not signed by a key the global configuration lists/) });
  });
});
