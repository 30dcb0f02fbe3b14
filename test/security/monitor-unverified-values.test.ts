/**
 * Finding 7: `sild monitor` showed invented client ids as real ones, unescaped. Unsigned requests sent straight to a
 * provider API — naming a real member, an invented one, and terminal escapes — produced rows blaming those members
 * and wrote the escapes raw to the operator's terminal. The property: an opmon record names a client, service or
 * path only once the gateway established them (the claims stay apart, in `claimed*` fields); `sild monitor` counts
 * every unidentified request under one `(unidentified)` row; and every value it prints is escaped.
 */
import type { Output } from '../../cli/commands';
import { localOpmonSource, monitorCommand, summarize, UNIDENTIFIED_ROW } from '../../cli/monitor';
import { printable, printableJson, terminalSafe } from '../../cli/printable';
import type { OpmonRecord } from '../../lambdas/core/exchange/opmon';
import { httpCall } from '../../lib/local/http-call';
import { readOpmonLines } from '../../lib/local/opmon-files';
import { PERSONS, startTestEcosystem, TAX_CLIENT, type TestEcosystem } from '../e2e/fixture';
import { PERSONS_CALL_IDS } from '../support/opmon-records';

const SERVICE = 'DEV/GOV/70000001/population/persons';
/** What a terminal would act on: C0 controls, DEL and C1 controls (CSI is U+009B). */
const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const flushed = () => new Promise((resolve) => setTimeout(resolve, 200)); // the opmon files are written by streams

function captured(): { out: Output; lines: string[] } {
  const lines: string[] = [];
  return { lines, out: { line: (text) => lines.push(text), progress: (text) => lines.push(text) } };
}

describe('sild monitor against requests nobody identified (end to end)', () => {
  let eco: TestEcosystem;
  beforeAll(async () => {
    eco = await startTestEcosystem();
  }, 60_000);
  afterAll(() => eco?.stop());

  test('unsigned requests naming a real member, an invented one and terminal escapes count under (unidentified), escaped, blaming no one', async () => {
    const provider = eco.agencies['population-registry'];
    const since = eco.clock.now();
    // Two genuine exchanges through the tax board's gateway.
    for (let index = 0; index < 2; index += 1)
      expect((await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } })).status).toBe(200);
    // Straight to the provider API, unsigned.
    const forged: [string, Record<string, string>][] = [
      [`${PERSONS}/123`, { 'x-road-client': TAX_CLIENT, 'x-road-id': 'impersonation' }],
      [`${PERSONS}/123`, { 'x-road-client': 'DEV/GOV/66666666/invented' }],
      ['/r1/DEV/GOV/%1B%5B2J%1B%5B31m/population/persons/1', { 'x-road-client': 'DEV/GOV/%1B%5D0%3Bpwned%07/x' }],
      [`${PERSONS}/1`, { 'x-road-client': 'DEV/GOV/\u009b2J/x' }],
    ];
    for (const [path, headers] of forged) expect((await httpCall(`${provider.providerUrl}${path}`, { headers })).status).toBeGreaterThanOrEqual(400);
    await flushed();

    const { out, lines } = captured();
    expect(await monitorCommand(localOpmonSource(provider.opmonFile), 'population-registry', { sinceMs: since }, out)).toBe(0);
    for (const line of lines) expect(line).not.toMatch(TERMINAL_CONTROL);
    const rows = lines.slice(2).map((line) => line.split(/\s{2,}/).slice(0, 4));
    expect(rows).toEqual([
      ['provider', UNIDENTIFIED_ROW, UNIDENTIFIED_ROW, '4'],
      ['provider', TAX_CLIENT, SERVICE, '2'],
    ]);
    expect(lines.join('\n')).not.toMatch(/66666666|invented|pwned/);

    // The records themselves name no one for the unsigned requests; what they claimed is kept apart, cut short.
    const records = readOpmonLines(provider.opmonFile).filter((line) => line.identified === false && (line.responseOutTs as number) >= since);
    expect(records).toHaveLength(4);
    for (const record of records) {
      for (const field of [
        'clientXRoadInstance',
        'clientMemberClass',
        'clientMemberCode',
        'clientSubsystemCode',
        'serviceMemberCode',
        'serviceCode',
        'restPath',
        'messageId',
      ])
        expect(record).not.toHaveProperty(field);
      expect(record).toMatchObject({ claimedClient: expect.any(String), claimedPath: expect.stringMatching(/^\/r1\//) });
    }
    expect(records[0]).toMatchObject({ claimedClient: TAX_CLIENT, claimedMessageId: 'impersonation' });
  });
});

describe('what sild monitor prints', () => {
  const base: OpmonRecord = {
    securityServerType: 'Client',
    gateway: 'DEV/GOV/70000002/tax-board',
    requestInTs: 1000,
    responseOutTs: 1010,
    ...PERSONS_CALL_IDS,
    serviceType: 'REST',
    restMethod: 'GET',
    statusCode: 500,
    requestSize: 0,
    responseSize: 10,
    succeeded: false,
    identified: true,
  };
  const source = (records: OpmonRecord[]) => ({ records: async () => records });

  test('error types a hostile provider gateway chose are escaped, and `__proto__` or `constructor` count like any other', async () => {
    const records = [
      { ...base, faultCode: 'Server.ServerProxy.\u001b]0;owned\u0007\u009b31m' },
      { ...base, faultCode: '__proto__' },
      { ...base, faultCode: 'constructor' },
    ];
    expect(summarize(records, { sinceMs: 0 })[0].errors).toEqual({
      'Server.ServerProxy.\u001b]0;owned\u0007\u009b31m': 1,
      ['__proto__']: 1,
      constructor: 1,
    });
    const { out, lines } = captured();
    await monitorCommand(source(records), 'tax-board', { sinceMs: 0 }, out);
    for (const line of lines) expect(line).not.toMatch(TERMINAL_CONTROL);
    expect(lines[2]).toContain('Server.ServerProxy.\\x1b]0;owned\\x07\\x9b31m 1, __proto__ 1, constructor 1');
  });

  test('records that claim ids without being identified (or without saying) name no row, and a filter on a real client leaves them out', () => {
    const claimed = { ...base, identified: false, succeeded: false, faultCode: 'Server.ServerProxy.InvalidSignatureValue' };
    const { identified: _flag, ...legacy } = base;
    const rows = summarize([claimed, legacy as OpmonRecord, { ...base, succeeded: true }], { sinceMs: 0 });
    expect(rows.map(({ client, service, count }) => [client, service, count])).toEqual([
      [UNIDENTIFIED_ROW, UNIDENTIFIED_ROW, 2],
      [TAX_CLIENT, SERVICE, 1],
    ]);
    expect(summarize([claimed], { sinceMs: 0, client: TAX_CLIENT })).toEqual([]);
  });

  test('printable shows every control, format and separator character as a visible escape, on one line', () => {
    expect(printable('a\u001b[2Jb\nc\td\u009be\u202ef\u200bg\u2028h\\x1b')).toBe('a\\x1b[2Jb\\x0ac\\x09d\\x9be\\u{202e}f\\u{200b}g\\u{2028}h\\\\x1b');
    expect(printable('DEV/GOV/70000002/tax-records')).toBe('DEV/GOV/70000002/tax-records');
    expect(terminalSafe('line one\u001b[1A\nline two\\')).toBe('line one\\x1b[1A\nline two\\');
    const hostile = { client: 'x\u009b\u202e\u0000', nested: ['\u{10ffff}'] };
    expect(printableJson(hostile)).not.toMatch(/[\u0080-\u009f\u202e\u{10ffff}]/u);
    expect(JSON.parse(printableJson(hostile))).toEqual(hostile);
  });
});
