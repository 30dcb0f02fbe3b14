/**
 * The log audit, on logs the in-memory ecosystem wrote and sealed: a clean log audits clean; every kind of
 * after-the-fact change — a record edited, removed or slipped in, a seal dropped from the chain — is reported;
 * records not sealed yet and windows past retention are not problems.
 */
import { auditLog, type AuditInput } from '../../../../lambdas/core/log/audit';
import { sealKey } from '../../../../lambdas/core/log/seal';
import { PERSONS, startMemoryEcosystem, type MemoryEcosystem } from '../../../support/memory-ecosystem';

describe('log audit', () => {
  let ecosystem: MemoryEcosystem;
  let audit: (change?: Partial<AuditInput>) => Promise<ReturnType<typeof auditLog>>;
  beforeEach(async () => {
    ecosystem = await startMemoryEcosystem();
    for (const id of [1, 2, 3]) expect((await ecosystem.call(`${PERSONS}/${id}`)).status).toBe(200);
    await ecosystem.sealAll();
    const { log, settings } = ecosystem.consumer;
    audit = async (change = {}) =>
      auditLog({
        gatewayId: settings.gatewayId,
        seals: await log.listSeals(),
        records: log.all(),
        configuration: await ecosystem.consumer.deps.globalConfiguration.current(),
        intervalSeconds: settings.sealing.intervalSeconds,
        retentionDays: 30,
        nowMs: ecosystem.clock.now(),
        ...change,
      });
  });

  const records = () => [...ecosystem.consumer.log.records.values()];

  test('a log as written and sealed audits clean', async () => {
    const result = await audit();
    expect(result).toMatchObject({ problems: [], recordsChecked: 6, recordsPending: 0, expiredSeals: 0 });
    expect(result.sealsChecked).toBeGreaterThan(0);
  });

  test('a record edited after it was logged is reported, and its seal no longer matches', async () => {
    const entry = records().find((candidate) => candidate.record.direction === 'response')!;
    entry.record = { ...entry.record, status: 404 };
    const { problems } = await audit();
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('was edited after it was logged'),
        expect.stringContaining('the log no longer matches the seal'),
      ]),
    );
  });

  test('a field a record restates against its signed manifest is reported by name, whatever the seals say', async () => {
    const entry = records().find((candidate) => candidate.record.direction === 'response')!;
    entry.record = { ...entry.record, status: 500, method: 'DELETE', body: undefined, headers: undefined, bodyLogged: 'metadata' };
    const { problems } = await audit();
    const restated = problems.find((problem) => problem.startsWith(`record ${sealKey(entry.record)}`) && !problem.includes('edited after'));
    expect(restated).toContain('status: the record states 500, its signed manifest 200');
    expect(restated).toContain('method: the record states "DELETE", the signed request manifest "GET"');
  });

  test('a body swapped in the log no longer matches the hash the record (and the seal) carries', async () => {
    const entry = records().find((candidate) => candidate.record.direction === 'response')!;
    entry.record = { ...entry.record, body: Buffer.from('{"name":"someone else"}') };
    expect((await audit()).problems).toEqual([expect.stringContaining('body does not match its hash')]);
  });

  test('a record removed from a sealed window is reported', async () => {
    const [key] = ecosystem.consumer.log.records.keys();
    ecosystem.consumer.log.records.delete(key);
    expect((await audit()).problems).toEqual([expect.stringMatching(/5 records found, 6 sealed/)]);
  });

  test('a record slipped into a sealed window is reported', async () => {
    const [original] = records();
    const forged = { ...original.record, xRoadId: 'forged-id' };
    const result = await audit({ records: [...ecosystem.consumer.log.all(), { ...forged, storedHash: original.recordHash }] });
    expect(result.problems.some((problem) => problem.includes('7 records found, 6 sealed'))).toBe(true);
  });

  test('a seal dropped from the chain is reported', async () => {
    expect((await ecosystem.call(`${PERSONS}/4`)).status).toBe(200);
    await ecosystem.sealAll();
    expect((await ecosystem.call(`${PERSONS}/5`)).status).toBe(200);
    await ecosystem.sealAll();
    const seals = await ecosystem.consumer.log.listSeals();
    expect(seals.length).toBeGreaterThanOrEqual(3);
    const { problems } = await audit({ seals: [seals[0], ...seals.slice(2)] });
    expect(problems.length).toBeGreaterThan(0);
  });

  test('records logged after the newest seal are pending, not problems', async () => {
    expect((await ecosystem.call(`${PERSONS}/9`)).status).toBe(200);
    expect(await audit()).toMatchObject({ problems: [], recordsPending: 2 });
  });

  test('windows past retention whose records are gone count as expired, not as removed', async () => {
    const later = ecosystem.clock.now() + 31 * 86_400_000;
    const result = await audit({ records: [], nowMs: later });
    expect(result.problems).toEqual([]);
    expect(result.expiredSeals).toBe(result.sealsChecked);
  });
});
