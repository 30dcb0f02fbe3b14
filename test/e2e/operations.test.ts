/**
 * Operations end to end through the local ecosystem: every message leaves an opmon record on each side, and
 * `sild monitor` reports the right counts, errors and sizes per client and service; `GET /health` on a consumer
 * side answers 200 while the gateway works and 503 once its sealing stops, and recovers when sealing does.
 */
import type { Output } from '../../cli/commands';
import { localOpmonSource, monitorCommand, summarize } from '../../cli/monitor';
import { readOpmonLines } from '../../lib/local/opmon-files';
import { CRM_CLIENT, expectXRoadError, PERSONS, startTestEcosystem, TAX_CLIENT, testConfig, type TestEcosystem } from './fixture';

let eco: TestEcosystem;
beforeAll(async () => {
  eco = await startTestEcosystem();
  for (const agency of Object.values(eco.agencies)) await agency.seal();
}, 60_000);
afterAll(() => eco?.stop());

const SERVICE = 'DEV/GOV/70000001/population/persons';
const flushed = () => new Promise((resolve) => setTimeout(resolve, 200)); // the opmon files are written by streams

describe('operational monitoring', () => {
  test('sild monitor shows the right counts, errors, durations and sizes per client and service, on both sides', async () => {
    const since = eco.clock.now();
    for (let index = 0; index < 5; index += 1)
      expect((await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } })).status).toBe(200);
    for (let index = 0; index < 2; index += 1)
      expect((await eco.call(`${PERSONS}/123`, { agency: 'business-registry', headers: { 'x-road-client': CRM_CLIENT } })).status).toBe(403);
    expect(
      (await eco.call('/r1/DEV/GOV/70000001/population/unreachable', { headers: { 'x-road-client': TAX_CLIENT } })).status,
    ).toBeGreaterThanOrEqual(500);
    await flushed();

    const provider = summarize(await localOpmonSource(eco.agencies['population-registry'].opmonFile).records(since), { sinceMs: since });
    expect(provider.map(({ side, client, service, count, errors }) => ({ side, client, service, count, errors }))).toEqual([
      { side: 'provider', client: CRM_CLIENT, service: SERVICE, count: 2, errors: { 'Server.ServerProxy.AccessDenied': 2 } },
      { side: 'provider', client: TAX_CLIENT, service: SERVICE, count: 5, errors: {} },
      {
        side: 'provider',
        client: TAX_CLIENT,
        service: 'DEV/GOV/70000001/population/unreachable',
        count: 1,
        errors: { 'Server.ServerProxy.ServiceFailed': 1 },
      },
    ]);
    const persons = provider.find((row) => row.client === TAX_CLIENT && row.service === SERVICE)!;
    expect(persons.responseBytes).toBeGreaterThan(5 * 20);
    expect(persons.p95Ms).toBeGreaterThanOrEqual(persons.p50Ms);

    const consumer = summarize(await localOpmonSource(eco.agencies['tax-board'].opmonFile).records(since), { sinceMs: since, service: SERVICE });
    expect(consumer).toEqual([expect.objectContaining({ side: 'consumer', client: TAX_CLIENT, service: SERVICE, count: 5, errors: {} })]);

    const lines: string[] = [];
    const out: Output = { line: (text) => lines.push(text), progress: () => undefined };
    expect(
      await monitorCommand(
        localOpmonSource(eco.agencies['population-registry'].opmonFile),
        'population-registry',
        { sinceMs: since, client: TAX_CLIENT },
        out,
      ),
    ).toBe(0);
    expect(lines[0]).toMatch(/^population-registry: 6 messages since .*, client DEV\/GOV\/70000002\/tax-records$/);
    expect(lines[1]).toMatch(/^side\s+client\s+service\s+count\s+errors\s+p50 ms\s+p95 ms\s+bytes in\s+bytes out$/);
    expect(lines.slice(2).map((line) => line.split(/\s{2,}/).slice(0, 5))).toEqual([
      ['provider', TAX_CLIENT, SERVICE, '5', '-'],
      ['provider', TAX_CLIENT, 'DEV/GOV/70000001/population/unreachable', '1', 'Server.ServerProxy.ServiceFailed 1'],
    ]);
  });
});

describe('opmon against a hostile caller', () => {
  test('unsigned requests to the provider API with invented clients and services add no metric dimension values', async () => {
    const provider = eco.agencies['population-registry'];
    const before = readOpmonLines(provider.opmonFile).length;
    for (let index = 0; index < 3; index += 1) {
      const response = await fetch(`${provider.providerUrl}/r1/DEV/GOV/70000001/population/invented-${index}/x`, {
        headers: { 'x-road-client': `DEV/GOV/666/fake-${index}` },
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
    }
    await flushed();
    const lines = readOpmonLines(provider.opmonFile).slice(before);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatchObject({ identified: false, Client: 'unidentified', Service: 'unidentified' });
    expect(new Set(lines.map((line) => line.Outcome)).size).toBe(1);
  });
});

describe('canary', () => {
  test('runs a real exchange through both sides of its gateway and leaves its figures for the alarms', async () => {
    const result = await eco.agencies['population-registry'].canary();
    expect(result).toMatchObject({ ok: true, exchange: { status: 200 }, health: { status: 'ok' } });
    await flushed();
    const lines = readOpmonLines(eco.agencies['population-registry'].opmonFile).filter((line) => 'CanaryFailures' in line);
    expect(lines.at(-1)).toMatchObject({
      CanaryFailures: 0,
      Gateway: 'DEV/GOV/70000001/population-registry',
      SealLagSeconds: expect.any(Number),
      GlobalConfAgePercent: expect.any(Number),
    });
  });
});

describe('GET /health', () => {
  test('200 while the gateway works; 503 naming the seal lag once sealing stops; 200 again once it recovers', async () => {
    const healthy = await eco.call('/health');
    expect(healthy.status).toBe(200);
    expect(healthy.json<{ status: string; checks: Record<string, { ok: boolean }> }>()).toMatchObject({
      status: 'ok',
      checks: { globalConfiguration: { ok: true }, sealing: { ok: true }, signing: { ok: true } },
    });

    eco.clock.advance(11 * 60_000); // no seal for longer than maxLagSeconds (600 s)
    const failing = await eco.call('/health');
    expect(failing.status).toBe(503);
    expect(failing.json<{ checks: { sealing: { ok: boolean; problem: string } } }>().checks.sealing).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/has not been sealed for \d+ s/),
    });

    await eco.agencies['tax-board'].seal();
    expect((await eco.call('/health')).status).toBe(200);
  }, 30_000);
});

describe('maintenance mode', () => {
  test('a gateway in maintenance answers other gateways Server.ServerProxy.Maintenance (503) with its message, signed; its backend is not called', async () => {
    const maintained = await startTestEcosystem({
      config: testConfig((raw) =>
        Object.assign(
          raw.agencies.find((agency) => agency.name === 'population-registry')!,
          { maintenance: { enabled: true, message: 'Upgrade until 12:00 UTC' } },
        ),
      ),
    });
    try {
      for (const agency of Object.values(maintained.agencies)) await agency.seal();
      const before = maintained.backend.received.length;
      const response = await maintained.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } });
      expectXRoadError(response, 503, 'Server.ServerProxy.Maintenance');
      expect(response.json<{ message: string }>().message).toBe('Upgrade until 12:00 UTC');
      expect(maintained.backend.received.length).toBe(before);
    } finally {
      await maintained.stop();
    }
  }, 60_000);
});
