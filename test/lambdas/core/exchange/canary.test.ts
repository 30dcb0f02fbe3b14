/**
 * The canary runs a real exchange through both sides of its own gateway (its listMethods) and reads the health
 * checks: ok on a working gateway, with the figures the alarms watch; failing, with the error, once it fails closed.
 */
import { runCanary } from '../../../../lambdas/core/exchange/canary';
import { startMemoryEcosystem, type MemoryEcosystem } from '../../../support/memory-ecosystem';

let ecosystem: MemoryEcosystem;
beforeEach(async () => {
  ecosystem = await startMemoryEcosystem();
});

describe('canary', () => {
  test('a working gateway: its own listMethods answered through both sides, logged on both, figures for the alarms', async () => {
    await ecosystem.sealAll();
    const before = ecosystem.provider.log.records.size;
    const result = await runCanary(ecosystem.provider.deps);
    expect(result).toMatchObject({ ok: true, exchange: { status: 200 }, health: { status: 'ok' } });
    expect(result.figures).toMatchObject({
      globalConfAgeSeconds: expect.any(Number),
      globalConfAgePercent: expect.any(Number),
      sealLagSeconds: expect.any(Number),
      sessionValiditySeconds: expect.any(Number),
    });
    // Request and response on the consumer side and on the provider side: four records in its own log.
    expect(ecosystem.provider.log.records.size - before).toBe(4);
  });

  test('a gateway that fails closed: the canary fails, naming the exchange error', async () => {
    await ecosystem.sealAll();
    ecosystem.clock.advance(11 * 60_000);
    const result = await runCanary(ecosystem.provider.deps);
    expect(result.ok).toBe(false);
    expect(result.exchange.errorType).toMatch(/TimestampingFailed/);
  });
});
