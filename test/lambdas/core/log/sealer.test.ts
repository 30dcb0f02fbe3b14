/**
 * The sealer and the gateway's fail-closed check on it, on the in-memory ecosystem: every closed window is sealed
 * once, in one unbroken chain signed by the gateway; racing sealers never fork it; a long outage is caught up in
 * bounded steps; and a gateway whose sealing has stopped refuses messages until it recovers.
 */
import { headerValue } from '../../../../lambdas/core/kernel/http';
import { GENESIS, parseSeal, sealHash, sealSignatureValid } from '../../../../lambdas/core/log/seal';
import { MAX_WINDOWS_PER_SEAL, runSealer } from '../../../../lambdas/core/log/sealer';
import { PERSONS, PROVIDER_URL, startMemoryEcosystem, type MemoryEcosystem } from '../../../support/memory-ecosystem';

describe('sealer', () => {
  let ecosystem: MemoryEcosystem;
  beforeEach(async () => {
    ecosystem = await startMemoryEcosystem();
  });

  test('seals every record of the closed windows, in a chain from genesis, signed with the gateway key', async () => {
    for (const id of [1, 2, 3]) expect((await ecosystem.call(`${PERSONS}/${id}`)).status).toBe(200);
    const { consumer } = await ecosystem.sealAll();
    expect(consumer.length).toBeGreaterThan(0);
    expect(consumer.reduce((sum, header) => sum + header.recordCount, 0)).toBe(6); // request + response of 3 exchanges
    const seals = await ecosystem.consumer.log.listSeals();
    expect(parseSeal(seals[0]).previousSealHash).toBe(GENESIS);
    seals.slice(1).forEach((seal, index) => expect(parseSeal(seal).previousSealHash).toBe(sealHash(seals[index])));
    for (const seal of seals) expect(sealSignatureValid(seal, ecosystem.consumer.key.spkiBase64)).toBe(true);

    // Nothing new closed: nothing written. The next window continues the chain.
    expect(await runSealer(ecosystem.consumer.sealer)).toEqual([]);
    expect((await ecosystem.call(`${PERSONS}/4`)).status).toBe(200);
    const [next] = (await ecosystem.sealAll()).consumer;
    expect(next.previousSealHash).toBe(sealHash(seals.at(-1)!));
    expect(next.fromWindow).toBe(parseSeal(seals.at(-1)!).toWindow + 1);
    expect(next.recordCount).toBe(2);
  });

  test('two sealers racing on one log write one chain: every window sealed exactly once', async () => {
    expect((await ecosystem.call(`${PERSONS}/1`)).status).toBe(200);
    ecosystem.clock.advance(90_000);
    await Promise.all([runSealer(ecosystem.consumer.sealer), runSealer(ecosystem.consumer.sealer)]);
    const headers = (await ecosystem.consumer.log.listSeals()).map(parseSeal);
    headers.slice(1).forEach((header, index) => expect(header.fromWindow).toBe(headers[index].toWindow + 1));
    expect(headers.reduce((sum, header) => sum + header.recordCount, 0)).toBe(2);
  });

  test('after an outage the backlog is sealed in contiguous steps of at most MAX_WINDOWS_PER_SEAL windows', async () => {
    await ecosystem.sealAll();
    ecosystem.clock.advance(10 * 3600_000); // 600 one-minute windows
    const written = await runSealer(ecosystem.consumer.sealer);
    expect(written.length).toBeGreaterThanOrEqual(3);
    for (const header of written) expect(header.toWindow - header.fromWindow + 1).toBeLessThanOrEqual(MAX_WINDOWS_PER_SEAL);
    written.slice(1).forEach((header, index) => expect(header.fromWindow).toBe(written[index].toWindow + 1));
  });

  test('fails closed: once sealing lags more than maxLagSeconds, messages are refused (TimestampingFailed) until it recovers', async () => {
    expect((await ecosystem.call(`${PERSONS}/1`)).status).toBe(200);
    await ecosystem.sealAll();
    ecosystem.clock.advance(11 * 60_000); // the sealer has not run for longer than the 600 s limit
    const refused = await ecosystem.call(`${PERSONS}/2`);
    expect(refused.status).toBe(503);
    expect(headerValue(refused.headers, 'x-road-error')).toBe('Server.ClientProxy.TimestampingFailed');
    expect(ecosystem.http.sent.filter((request) => request.url.startsWith(PROVIDER_URL))).toHaveLength(1);

    await runSealer(ecosystem.consumer.sealer);
    await runSealer(ecosystem.provider.sealer);
    expect((await ecosystem.call(`${PERSONS}/3`)).status).toBe(200);
  });

  test('a gateway that has never sealed (its sealer has not run yet) is not refused', async () => {
    ecosystem.clock.advance(3600_000);
    expect((await ecosystem.call(`${PERSONS}/1`)).status).toBe(200);
  });
});
