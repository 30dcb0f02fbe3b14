/**
 * Finding 13 (local only): one GET ended `npm start`. The configuration CDN decoded the request path without a try,
 * so `GET /globalconf/%E0%A4%A` threw in its listener and the process — every agency, the central and the
 * emulators — was gone. The same class was in the sample backend (a malformed escape or target, in an async
 * listener), the S3 endpoint (a 500 where S3 answers 400 `InvalidURI`), the DynamoDB fault proxy (a client that
 * abandons its body) and dynalite itself (it rethrows a request stream's error). The property: a malformed request
 * to any local server is answered as the stood-in service answers it, or ends only its own connection; the
 * ecosystem keeps serving.
 */
import { connect } from 'node:net';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../lib/local/dynamodb';
import { httpCall } from '../../lib/local/http-call';
import { PERSONS, startTestEcosystem, TAX_CLIENT, type TestEcosystem } from '../e2e/fixture';

/** Sends raw bytes and returns the status line's code (0: no answer within the time). */
function rawStatus(url: string, head: string, timeoutMs = 2000): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let received = '';
    const socket = connect(Number(port), hostname, () => socket.write(`${head}\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`));
    const done = () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0));
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', done);
    socket.on('error', done);
    socket.setTimeout(timeoutMs, () => socket.destroy());
  });
}

/** Starts a request with a body, sends part of it and hangs up. */
function abandonBody(url: string, path: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 1000\r\n\r\n{"Tab`,
      );
      setTimeout(() => socket.destroy(), 100);
    });
    socket.on('close', () => setTimeout(resolve, 200));
    socket.on('error', () => undefined);
  });
}

/** Errors thrown or rejected outside any caller while `run` runs: what would end the process. */
async function escapedErrorsDuring(run: () => Promise<void>): Promise<string[]> {
  const escaped: string[] = [];
  const record = (error: unknown) => void escaped.push(String((error as Error)?.message ?? error));
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  }
  return escaped;
}

let eco: TestEcosystem;
let dynalite: LocalDynamoDb;
beforeAll(async () => {
  eco = await startTestEcosystem();
  dynalite = await startLocalDynamoDb();
}, 60_000);
afterAll(async () => {
  await eco?.stop();
  await dynalite?.stop();
});

const stillServes = async () => expect((await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } })).status).toBe(200);

describe('the configuration CDN', () => {
  test('a malformed percent-escape or target is a 400, as S3 behind CloudFront answers; the ecosystem keeps serving', async () => {
    const escaped = await escapedErrorsDuring(async () => {
      expect(await rawStatus(eco.cdn.url, 'GET /globalconf/%E0%A4%A HTTP/1.1')).toBe(400);
      expect(await rawStatus(eco.cdn.url, 'GET http://[x/globalconf HTTP/1.1')).toBe(400);
      expect(await rawStatus(eco.cdn.url, 'HEAD //[x HTTP/1.1')).toBe(400);
    });
    expect(escaped).toEqual([]);
    expect((await httpCall(`${eco.cdn.url}/globalconf/nothing-here`)).status).toBe(404);
    await stillServes();
  });
});

describe('the sample backend', () => {
  test('a malformed person id or target is a 400, a body abandoned halfway ends only its connection', async () => {
    const escaped = await escapedErrorsDuring(async () => {
      expect(await rawStatus(eco.backend.url, 'GET /persons/%E0%A4%A HTTP/1.1')).toBe(400);
      expect(await rawStatus(eco.backend.url, 'GET //[x HTTP/1.1')).toBe(400);
      await abandonBody(eco.backend.url, '/persons');
    });
    expect(escaped).toEqual([]);
    expect((await httpCall(`${eco.backend.url}/persons/constructor`)).status).toBe(404);
    await stillServes();
  });
});

describe('the emulators', () => {
  test('S3: a key that is not valid percent-encoding is 400 InvalidURI, as S3 answers, not a 500', async () => {
    const response = await httpCall(`${eco.emulatorEndpoints.s3Url}/any-bucket/%E0%A4%A`);
    expect(response.status).toBe(400);
    expect(response.body.toString('utf8')).toContain('<Code>InvalidURI</Code>');
  });

  test('the DynamoDB front, dynalite and KMS: a body abandoned halfway ends only its connection', async () => {
    const escaped = await escapedErrorsDuring(async () => {
      await abandonBody(eco.emulatorEndpoints.dynamodbUrl, '/');
      await abandonBody(dynalite.url, '/');
      await abandonBody(eco.emulatorEndpoints.kmsUrl, '/');
    });
    expect(escaped).toEqual([]);
    const listTables = await httpCall(`${dynalite.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{}',
    });
    expect(listTables.status).toBe(400); // dynalite still answers (the unsigned call with its MissingAuthenticationToken)
    await stillServes();
  });
});

describe('the API fronts', () => {
  test('malformed escapes and targets on the central, consumer and provider APIs are answered, never thrown', async () => {
    const escaped = await escapedErrorsDuring(async () => {
      for (const url of [eco.centralUrl, eco.agencies['tax-board'].consumerUrl, eco.agencies['population-registry'].providerUrl]) {
        expect(await rawStatus(url, 'GET /r1/%E0%A4%A/x HTTP/1.1')).toBeGreaterThanOrEqual(400);
        expect(await rawStatus(url, 'GET http://[x/ HTTP/1.1')).toBeGreaterThanOrEqual(400);
        await abandonBody(url, '/join');
      }
    });
    expect(escaped).toEqual([]);
    await stillServes();
  });
});
