/**
 * Message-log integrity: seals over the log, `sild log verify` on the whole log, and evidence bundles of single
 * exchanges — with tampering done through the DynamoDB API, as an insider with table access would.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { exportEvidenceCommand, verifyEvidenceCommand, verifyLogCommand, type Output } from '../../cli/commands';
import { localTargetOf, type LogTarget } from '../../cli/log-target';
import { CERT_PK, ITEM_NAMES } from '../../lambdas/adapters/message-log-item';
import { localRuntimeInfo } from '../../lib/local/runtime-info';
import { expectXRoadError, PERSONS, startTestEcosystem, TAX_CLIENT, type TestEcosystem } from './fixture';
import { soapDemoRequest } from '../../lib/local/soap-demo';

let eco: TestEcosystem;
const TAX = 'tax-board';

function target(agency: string): LogTarget {
  return localTargetOf(localRuntimeInfo(eco), agency);
}

function capture(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { lines, line: (text) => lines.push(text), progress: () => undefined };
}

async function verifyLog(agency = TAX) {
  const out = capture();
  const code = await verifyLogCommand(target(agency), out, eco.clock.now());
  return { code, text: out.lines.join('\n') };
}

const exchange = async (xRoadId: string, body?: string) => {
  const response = await eco.call(body ? PERSONS : `${PERSONS}/123`, {
    method: body ? 'POST' : 'GET',
    headers: { 'x-road-client': TAX_CLIENT, 'x-road-id': xRoadId, ...(body ? { 'content-type': 'application/json' } : {}) },
    body,
  });
  expect(response.status).toBeLessThan(300);
};

/** Lets the current window close (plus grace) and runs every gateway's sealer. */
async function sealAll(): Promise<void> {
  eco.clock.advance(95_000);
  for (const agency of Object.values(eco.agencies)) await agency.seal();
}

beforeAll(async () => {
  eco = await startTestEcosystem();
  for (const agency of Object.values(eco.agencies)) await agency.seal(); // genesis, as at start-up
  await exchange('ev-1');
  await exchange('ev-2', '{"givenName":"Kati"}');
  await exchange('ev-3');
  await sealAll();
});
afterAll(async () => {
  await eco?.stop();
});

const table = () => eco.agencies[TAX].logTable;
const db = () => eco.clients.dynamodb;
const recordKey = (xRoadId: string, sk: string) => ({ pk: `${TAX_CLIENT} ${xRoadId}`, sk });

/** Tampers with the table, runs the check, and puts every touched item back. */
async function tampered(keys: { pk: string; sk: string }[], tamper: () => Promise<void>, check: () => Promise<void>): Promise<void> {
  const originals = await Promise.all(keys.map(async (key) => (await db().send(new GetCommand({ TableName: table(), Key: key }))).Item!));
  try {
    await tamper();
    await check();
  } finally {
    for (const item of originals) await db().send(new PutCommand({ TableName: table(), Item: item }));
  }
}

describe('sild log verify', () => {
  test('an untouched log verifies: every record against its seal, and the seal chain', async () => {
    const { code, text } = await verifyLog();
    expect(code).toBe(0);
    expect(text).toMatch(/records checked: 6 \(0 logged after/);
    expect(text).toMatch(/seals checked:\s+2/);
    expect(text).toContain('problems:        none');
    expect((await verifyLog('population-registry')).code).toBe(0);
  });

  test('an edited field is detected', async () => {
    const key = recordKey('ev-1', 'consumer#response');
    await tampered(
      [key],
      () =>
        db()
          .send(
            new UpdateCommand({
              TableName: table(),
              Key: key,
              UpdateExpression: 'SET #s = :s',
              ExpressionAttributeNames: { '#s': ITEM_NAMES.status },
              ExpressionAttributeValues: { ':s': 404 },
            }),
          )
          .then(() => undefined),
      async () => {
        const { code, text } = await verifyLog();
        expect(code).toBe(1);
        expect(text).toContain('record DEV/GOV/70000002/tax-records ev-1 consumer#response');
        expect(text).toContain('edited after it was logged');
        expect(text).toMatch(/no longer matches the seal/);
      },
    );
  });

  test('an edited body is detected', async () => {
    const key = recordKey('ev-2', 'consumer#request');
    await tampered(
      [key],
      () =>
        db()
          .send(
            new UpdateCommand({
              TableName: table(),
              Key: key,
              UpdateExpression: 'SET #b = :b',
              ExpressionAttributeNames: { '#b': ITEM_NAMES.body },
              ExpressionAttributeValues: { ':b': Buffer.from('{"givenName":"Mallory"}') },
            }),
          )
          .then(() => undefined),
      async () => {
        const { code, text } = await verifyLog();
        expect(code).toBe(1);
        // An inline body states its own hash in the item (ADR 0009): the edit shows against the signed hash and the seal.
        expect(text).toMatch(/ev-2 consumer#request .*logged message does not match its signed hash/);
        expect(text).toMatch(/ev-2 consumer#request .*edited after it was logged/);
      },
    );
  });

  test('a deleted record is detected', async () => {
    const key = recordKey('ev-3', 'consumer#request');
    await tampered(
      [key],
      () =>
        db()
          .send(new DeleteCommand({ TableName: table(), Key: key }))
          .then(() => undefined),
      async () => {
        const { code, text } = await verifyLog();
        expect(code).toBe(1);
        expect(text).toMatch(/5 records found, 6 sealed/);
      },
    );
  });

  test('a deleted seal is detected', async () => {
    const seals = await db().send(
      new QueryCommand({ TableName: table(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'SEAL' } }),
    );
    const first = { pk: 'SEAL', sk: String(seals.Items![0].sk) };
    await tampered(
      [first],
      () =>
        db()
          .send(new DeleteCommand({ TableName: table(), Key: first }))
          .then(() => undefined),
      async () => {
        const { code, text } = await verifyLog();
        expect(code).toBe(1);
        expect(text).toMatch(/links to a seal that is missing/);
      },
    );
  });

  test('reordered records (swapped timestamps) are detected', async () => {
    const a = recordKey('ev-1', 'consumer#request');
    const b = recordKey('ev-3', 'consumer#request');
    const [itemA, itemB] = await Promise.all([a, b].map(async (key) => (await db().send(new GetCommand({ TableName: table(), Key: key }))).Item!));
    await tampered(
      [a, b],
      async () => {
        await db().send(
          new UpdateCommand({
            TableName: table(),
            Key: a,
            // The time as items keep it (`t`, epoch ms).
            UpdateExpression: 'SET t = :t',
            ExpressionAttributeValues: { ':t': itemB.t },
          }),
        );
        await db().send(
          new UpdateCommand({
            TableName: table(),
            Key: b,
            UpdateExpression: 'SET t = :t',
            ExpressionAttributeValues: { ':t': itemA.t },
          }),
        );
      },
      async () => {
        const { code, text } = await verifyLog();
        expect(code).toBe(1);
        expect(text).toMatch(/ev-1 consumer#request .*edited after it was logged/);
      },
    );
  });

  test('a deleted session certificate (stored once, referenced by every record it signed) is detected', async () => {
    const certificates = await db().send(
      new QueryCommand({ TableName: table(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': CERT_PK } }),
    );
    expect(certificates.Items?.length).toBeGreaterThan(0);
    const keys = certificates.Items!.map((item) => ({ pk: CERT_PK, sk: String(item.sk) }));
    await tampered(
      keys,
      async () => {
        for (const key of keys) await db().send(new DeleteCommand({ TableName: table(), Key: key }));
      },
      async () => {
        const { code, text } = await verifyLog();
        expect(code).toBe(1);
        expect(text).toMatch(/ev-1 consumer#request .*edited after it was logged/);
      },
    );
  });

  test('a replaced signature is detected', async () => {
    const key = recordKey('ev-1', 'consumer#request');
    const other = (await db().send(new GetCommand({ TableName: table(), Key: recordKey('ev-3', 'consumer#request') }))).Item!;
    await tampered(
      [key],
      () =>
        db()
          .send(
            new UpdateCommand({
              TableName: table(),
              Key: key,
              UpdateExpression: 'SET #s = :s',
              ExpressionAttributeNames: { '#s': ITEM_NAMES.signature },
              ExpressionAttributeValues: { ':s': other[ITEM_NAMES.signature] },
            }),
          )
          .then(() => undefined),
      async () => {
        const { code, text } = await verifyLog();
        expect(code).toBe(1);
        expect(text).toMatch(/ev-1 consumer#request \(.*\): signature invalid/);
      },
    );
  });

  test('a record inserted after sealing is detected', async () => {
    const original = (await db().send(new GetCommand({ TableName: table(), Key: recordKey('ev-1', 'consumer#request') }))).Item!;
    const forged = { ...original, pk: `${TAX_CLIENT} forged`, xRoadId: 'forged' };
    try {
      await db().send(new PutCommand({ TableName: table(), Item: forged }));
      const { code, text } = await verifyLog();
      expect(code).toBe(1);
      expect(text).toMatch(/7 records found, 6 sealed/);
    } finally {
      await db().send(new DeleteCommand({ TableName: table(), Key: { pk: forged.pk, sk: String(original.sk) } }));
    }
  });
});

describe('sild evidence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sild-evidence-'));
  const anchor = () => ({ instance: eco.config.instance, publicKey: eco.anchorPublicKey });
  let bundlePath: string;

  beforeAll(async () => {
    bundlePath = join(dir, 'ev-2.json');
    expect(await exportEvidenceCommand(target(TAX), 'ev-2', { out: bundlePath }, capture(), eco.clock.now())).toBe(0);
  });

  function verifyFile(path: string) {
    const out = capture();
    return { code: verifyEvidenceCommand(path, anchor(), out), text: out.lines.join('\n') };
  }

  /** Writes a copy of the bundle with one change, returns its path. */
  function variant(name: string, change: (bundle: Record<string, any>) => void): string {
    const bundle = JSON.parse(readFileSync(bundlePath, 'utf8'));
    change(bundle);
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify(bundle));
    return path;
  }
  const flipByte = (base64: string, index = 5) => {
    const bytes = Buffer.from(base64, 'base64');
    bytes[index] ^= 0x01;
    return bytes.toString('base64');
  };

  test('an exported bundle holds both manifests, bodies, proofs, seals and the configuration, and verifies offline', () => {
    const bundle = JSON.parse(readFileSync(bundlePath, 'utf8'));
    expect(bundle.records.map((entry: { record: { direction: string } }) => entry.record.direction).sort()).toEqual(['request', 'response']);
    expect(bundle.seals.length).toBeGreaterThanOrEqual(1);
    expect(bundle.globalConfiguration.signature).toBeTruthy();
    const { code, text } = verifyFile(bundlePath);
    expect(code).toBe(0);
    expect(text).toContain('VALID');
    expect(text).toContain('✓ consumer request: logged message reproduces the signed hash');
    expect(text).toContain('✓ response manifest binds the request hash');
  });

  test('one byte changed in a body fails, naming the part', () => {
    const { code, text } = verifyFile(variant('body', (bundle) => (bundle.records[0].record.body = flipByte(bundle.records[0].record.body, 3))));
    expect(code).toBe(1);
    expect(text).toContain('✗ consumer request: body matches its logged hash');
  });

  test('one byte changed in a manifest fails, naming the part', () => {
    const { code, text } = verifyFile(
      variant('manifest', (bundle) => (bundle.records[1].record.manifest = flipByte(bundle.records[1].record.manifest, 40))),
    );
    expect(code).toBe(1);
    expect(text).toMatch(/✗ consumer response: manifest signed by/);
  });

  test('one byte changed in a proof fails, naming the part', () => {
    const { code, text } = verifyFile(variant('proof', (bundle) => (bundle.records[0].proof[0].hash = flipByte(bundle.records[0].proof[0].hash))));
    expect(code).toBe(1);
    expect(text).toContain("✗ consumer request: inclusion proof leads to the seal's root");
  });

  test('one byte changed in a seal fails, naming the part', () => {
    const { code, text } = verifyFile(variant('seal', (bundle) => (bundle.seals[0].header = flipByte(bundle.seals[0].header, 30))));
    expect(code).toBe(1);
    expect(text).toMatch(/✗ seal .*signed by|✗ seal 1: readable/);
  });

  test('a bundle checked against another anchor fails at the configuration', () => {
    const out = capture();
    const other = { instance: 'DEV', publicKey: eco.agencies[TAX].deps.settings.anchor.publicKey.replace(/A/, 'B') };
    expect(verifyEvidenceCommand(bundlePath, other, out)).toBe(1);
    expect(out.lines.join('\n')).toContain('✗ global configuration: signed by the anchor key');
  });
});

describe('sild evidence with bodies in the body store', () => {
  test('a body above the inline log limit is read from the body store into the bundle, and the bundle verifies; a changed byte fails', async () => {
    await exchange('ev-big', JSON.stringify({ givenName: 'K'.repeat(300 * 1024) }));
    await sealAll();
    const dir = mkdtempSync(join(tmpdir(), 'sild-evidence-big-'));
    const path = join(dir, 'ev-big.json');
    expect(await exportEvidenceCommand(target(TAX), 'ev-big', { out: path }, capture(), eco.clock.now())).toBe(0);
    const bundle = JSON.parse(readFileSync(path, 'utf8'));
    const request = bundle.records.find((entry: any) => entry.record.direction === 'request').record;
    expect(request).toMatchObject({ bodyLogged: 'stored' });
    expect(Buffer.from(request.body, 'base64').length).toBeGreaterThan(300 * 1024);
    const anchor = { instance: eco.config.instance, publicKey: eco.anchorPublicKey };
    const out = capture();
    expect(verifyEvidenceCommand(path, anchor, out)).toBe(0);
    const body = Buffer.from(request.body, 'base64');
    body[1000] ^= 1;
    request.body = body.toString('base64');
    writeFileSync(path, JSON.stringify(bundle));
    const tampered = capture();
    expect(verifyEvidenceCommand(path, anchor, tampered)).toBe(1);
    expect(tampered.lines.join('\n')).toMatch(/✗ consumer request: body matches its logged hash/);
  });
});

describe('fail closed on sealing', () => {
  test('when sealing has failed for longer than the limit, messages are refused; they resume once sealing recovers', async () => {
    eco.clock.advance(700_000); // no seal for more than maxLagSeconds (600 s)
    const refused = await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } });
    expectXRoadError(refused, 503, 'Server.ClientProxy.TimestampingFailed');
    await sealAll();
    const resumed = await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } });
    expect(resumed.status).toBe(200);
  });
});

describe('a SOAP exchange in the same log', () => {
  test('it is sealed, `sild log verify` checks it, and its evidence bundle (the manifest with serviceVersion) verifies offline', async () => {
    const demo = {
      consumer: TAX,
      provider: 'population-registry',
      client: TAX_CLIENT,
      service: 'DEV/GOV/70000001/population/getPerson',
      version: 'v1',
    };
    const response = await eco.call('/', {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body: soapDemoRequest(demo, 'ev-soap'),
    });
    expect(response.status).toBe(200);
    expect(response.headers['x-road-error']).toBeUndefined();
    await sealAll();
    const log = await verifyLog();
    expect(log.code).toBe(0);
    const path = join(mkdtempSync(join(tmpdir(), 'sild-evidence-soap-')), 'ev-soap.json');
    expect(await exportEvidenceCommand(target(TAX), 'ev-soap', { out: path }, capture(), eco.clock.now())).toBe(0);
    const bundle = JSON.parse(readFileSync(path, 'utf8'));
    const request = bundle.records.find((entry: { record: { direction: string } }) => entry.record.direction === 'request').record;
    expect(JSON.parse(Buffer.from(request.manifest, 'base64').toString('utf8'))).toMatchObject({ serviceVersion: 'v1', method: 'POST', target: '/' });
    const out = capture();
    expect(verifyEvidenceCommand(path, { instance: eco.config.instance, publicKey: eco.anchorPublicKey }, out)).toBe(0);
    expect(out.lines.join('\n')).toContain('✓ response manifest binds the request hash');
  });
});
