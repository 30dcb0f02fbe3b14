/**
 * Robustness: every bad input gets the right X-Road error, and every injected fault loses nothing.
 * Faults are injected at the adapters' endpoints (the local KMS endpoint, a proxy in front of dynalite, paused API
 * fronts, a slow backend) — the code under test is not mocked. Prints a report table at the end.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestHash, signedHeaderNames } from '../../lambdas/core/kernel/hashing';
import { manifestHeaders, signManifest, type RequestManifest } from '../../lambdas/core/trust/manifest';
import type { FaultAnswer } from '../../lib/local/fault-proxy';
import { httpCall, type CallResult } from '../../lib/local/http-call';
import { signedPost } from '../../lambdas/adapters/sigv4-central-client';
import { LOCAL_REGION } from '../../lib/local/ecosystem';
import { addService, expectXRoadError, PERSONS, startTestEcosystem, TAX_CLIENT, testConfig, type TestEcosystem } from './fixture';

const SLOW_MS = 1500;
let eco: TestEcosystem;
let slowBackend: Server;

beforeAll(async () => {
  // A backend outside the layer that answers after SLOW_MS.
  slowBackend = createServer((request, response) => {
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"slow":true}');
    }, SLOW_MS);
    request.resume();
  });
  await new Promise<void>((resolve) => slowBackend.listen(0, '127.0.0.1', resolve));
  const slowUrl = `http://127.0.0.1:${(slowBackend.address() as AddressInfo).port}`;
  eco = await startTestEcosystem({
    config: testConfig((raw) => {
      addService(raw, 'slow', `${slowUrl}/slow`, 1000); // times out at the provider (1 s < 1.5 s)
      addService(raw, 'patient', `${slowUrl}/patient`, 5000); // answers, but after the consumer gives up
    }),
    // KMS signs every manifest here, so KMS faults reach the exchange (session mode is covered in exchange.test.ts).
    gatewayOverrides: {
      signing: { mode: 'kms', sessionValiditySeconds: 3600 },
      providerTimeoutMs: 1200,
      maxBodyBytes: 1024 * 1024,
      messageLog: { mode: 'full', maxInlineBodyBytes: 64 * 1024, oversizeBody: 'reject' },
    },
  });
});

afterAll(async () => {
  await eco?.stop();
  slowBackend?.closeAllConnections();
  await new Promise((resolve) => slowBackend?.close(resolve));
  printReport();
});

afterEach(() => {
  eco.dynamodb.setRule(undefined);
  eco.kms.setFault(undefined);
});

// ---------------------------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------------------------

const client = { 'x-road-client': TAX_CLIENT };
const long = (n: number) => 'a'.repeat(n);

interface ConsumerCase {
  readonly name: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly method?: string;
  readonly body?: string | Buffer;
  readonly status: number;
  /** X-Road error type; undefined for a case that must succeed. */
  readonly type?: string;
}

const consumerCases: ConsumerCase[] = [
  { name: 'path without a service', path: '/r1', headers: client, status: 400, type: 'Client.BadRequest' },
  { name: 'too few service id segments', path: '/r1/DEV/GOV/70000001/population', headers: client, status: 400, type: 'Client.BadRequest' },
  { name: 'empty segment', path: '/r1/DEV//70000001/population/persons', headers: client, status: 400, type: 'Client.BadRequest' },
  { name: 'bad percent-encoding', path: '/r1/DEV/GOV/70000001/population/pers%ZZons/1', headers: client, status: 400, type: 'Client.BadRequest' },
  { name: 'encoded space in an id', path: '/r1/DEV/GOV/7000%200001/population/persons/1', headers: client, status: 400, type: 'Client.BadRequest' },
  { name: 'forbidden character in an id', path: '/r1/DEV/GOV/70000001/popu*lation/persons', headers: client, status: 400, type: 'Client.BadRequest' },
  // The consumer side is an HTTP API, which decodes the path: `%2F` arrives as a separator (a documented limit of
  // that API type), so the id shifts and names a subsystem that does not exist.
  {
    name: 'encoded slash inside an id part',
    path: '/r1/DEV/GOV/70000001/popu%2Flation/persons',
    headers: client,
    status: 400,
    type: 'Server.ClientProxy.UnknownMember',
  },
  { name: 'overlong id part', path: `/r1/DEV/GOV/70000001/${long(300)}/persons`, headers: client, status: 400, type: 'Client.BadRequest' },
  {
    name: 'protocol version r2',
    path: '/r2/DEV/GOV/70000001/population/persons/1',
    headers: client,
    status: 400,
    type: 'Client.InvalidProtocolVersion',
  },
  {
    name: 'protocol version r0',
    path: '/r0/DEV/GOV/70000001/population/persons/1',
    headers: client,
    status: 400,
    type: 'Client.InvalidProtocolVersion',
  },
  { name: 'not an X-Road path', path: '/index.html', headers: client, status: 400, type: 'Client.BadRequest' },
  { name: 'dot segments in the service path', path: `${PERSONS}/../admin`, headers: client, status: 400, type: 'Client.BadRequest' },
  { name: 'encoded dot segments in the service path', path: `${PERSONS}/%2E%2e/admin`, headers: client, status: 400, type: 'Client.BadRequest' },
  { name: 'missing X-Road-Client', path: `${PERSONS}/123`, status: 400, type: 'Client.MissingHeader' },
  { name: 'empty X-Road-Client', path: `${PERSONS}/123`, headers: { 'x-road-client': ' ' }, status: 400, type: 'Client.MissingHeader' },
  {
    name: 'X-Road-Client with 2 parts',
    path: `${PERSONS}/123`,
    headers: { 'x-road-client': 'DEV/GOV' },
    status: 400,
    type: 'Client.InvalidClientIdentifier',
  },
  {
    name: 'X-Road-Client with 5 parts',
    path: `${PERSONS}/123`,
    headers: { 'x-road-client': `${TAX_CLIENT}/extra` },
    status: 400,
    type: 'Client.InvalidClientIdentifier',
  },
  {
    name: 'X-Road-Client with a forbidden character',
    path: `${PERSONS}/123`,
    headers: { 'x-road-client': 'DEV/GOV/70000002/tax_records' },
    status: 400,
    type: 'Client.InvalidClientIdentifier',
  },
  {
    name: 'X-Road-Client with bad percent-encoding',
    path: `${PERSONS}/123`,
    headers: { 'x-road-client': 'DEV/GOV/70000002/tax%G0' },
    status: 400,
    type: 'Client.InvalidClientIdentifier',
  },
  {
    name: 'X-Road-Client naming a member, not a subsystem',
    path: `${PERSONS}/123`,
    headers: { 'x-road-client': 'DEV/GOV/70000002' },
    status: 400,
    type: 'Client.InvalidClientIdentifier',
  },
  {
    name: 'client of another agency',
    path: `${PERSONS}/123`,
    headers: { 'x-road-client': 'DEV/COM/10000003/crm' },
    status: 400,
    type: 'Client.InvalidClientIdentifier',
  },
  {
    name: 'client of another instance',
    path: `${PERSONS}/123`,
    headers: { 'x-road-client': 'EE/GOV/70000002/tax-records' },
    status: 400,
    type: 'Client.InvalidClientIdentifier',
  },
  {
    name: 'unknown subsystem of this member',
    path: `${PERSONS}/123`,
    headers: { 'x-road-client': 'DEV/GOV/70000002/payroll' },
    status: 400,
    type: 'Client.InvalidClientIdentifier',
  },
  {
    name: 'unknown member',
    path: '/r1/DEV/GOV/99999999/population/persons/1',
    headers: client,
    status: 400,
    type: 'Server.ClientProxy.UnknownMember',
  },
  {
    name: 'unknown subsystem',
    path: '/r1/DEV/GOV/70000001/archive/persons/1',
    headers: client,
    status: 400,
    type: 'Server.ClientProxy.UnknownMember',
  },
  {
    name: 'unknown service',
    path: '/r1/DEV/GOV/70000001/population/vehicles/1',
    headers: client,
    status: 404,
    type: 'Server.ClientProxy.UnknownService',
  },
  {
    name: 'service of another instance',
    path: '/r1/EE/GOV/70000001/population/persons/1',
    headers: client,
    status: 400,
    type: 'Server.ClientProxy.UnknownMember',
  },
  { name: 'overlong X-Road-Id', path: `${PERSONS}/123`, headers: { ...client, 'x-road-id': long(256) }, status: 400, type: 'Client.BadRequest' },
  {
    name: 'overlong X-Road-UserId',
    path: `${PERSONS}/123`,
    headers: { ...client, 'x-road-userid': long(256) },
    status: 400,
    type: 'Client.BadRequest',
  },
  {
    name: 'malformed X-Road-Represented-Party',
    path: `${PERSONS}/123`,
    headers: { ...client, 'x-road-represented-party': 'A/B/C' },
    status: 400,
    type: 'Client.BadRequest',
  },
  {
    name: 'body above the gateway limit',
    path: PERSONS,
    method: 'POST',
    headers: client,
    body: Buffer.alloc(1024 * 1024 + 1, 0x61),
    status: 413,
    type: 'Client.RequestTooLarge',
  },
  {
    name: 'body above the message-log limit (reject mode)',
    path: PERSONS,
    method: 'POST',
    headers: client,
    body: Buffer.alloc(65 * 1024, 0x61),
    status: 413,
    type: 'Client.RequestTooLarge',
  },
  // API Gateway's own refusal: an HTTP API answers it in its own form (it cannot be customized), without X-Road-Error.
  { name: 'headers above the API limit', path: `${PERSONS}/123`, headers: { ...client, 'x-padding': long(11_000) }, status: 413 },
  {
    name: 'no access right (business-registry)',
    path: `${PERSONS}/123`,
    headers: { 'x-road-client': 'DEV/COM/10000003/crm', 'x-agency': 'business-registry' },
    status: 403,
    type: 'Server.ServerProxy.AccessDenied',
  },
  {
    name: 'repeated X-Road-Client: the last one wins (valid last)',
    path: `${PERSONS}/123`,
    headers: { 'x-road-client': 'bad', 'X-Road-Client': TAX_CLIENT },
    status: 200,
  },
  {
    name: 'repeated X-Road-Client: the last one wins (invalid last)',
    path: `${PERSONS}/123`,
    headers: { 'x-road-client': TAX_CLIENT, 'X-Road-Client': 'DEV/GOV' },
    status: 400,
    type: 'Client.InvalidClientIdentifier',
  },
];

const tally = { cases: 0, passed: 0 };
/** Counts a case as tried, and as passed only when its assertions held. */
async function counted(run: () => Promise<void>): Promise<void> {
  tally.cases += 1;
  await run();
  tally.passed += 1;
}

describe('bad input on the consumer side', () => {
  test.each(consumerCases)('$name → $status $type', (testCase) =>
    counted(async () => {
      const { 'x-agency': agency, ...headers } = testCase.headers ?? {};
      const url = `${eco.agencies[agency ?? 'tax-board'].consumerUrl}${testCase.path}`;
      const response = await httpCall(url, { method: testCase.method ?? 'GET', headers, body: testCase.body });
      if (testCase.type) expectXRoadError(response, testCase.status, testCase.type);
      else expect(response.status).toBe(testCase.status);
    }),
  );
});

describe('bad input on the provider side', () => {
  const providerUrl = () => eco.agencies['population-registry'].providerUrl;

  /** A request as a consumer gateway would send it, signed by `signerAgency`'s gateway, with optional forgeries. */
  async function providerRequest(
    options: { signerAgency?: string; path?: string; client?: string; body?: string; manifest?: Partial<RequestManifest>; xRoadId?: string } = {},
  ) {
    const path = options.path ?? `${PERSONS}/123`;
    const method = options.body === undefined ? 'GET' : 'POST';
    const headers: Record<string, string> = {
      'x-road-client': options.client ?? TAX_CLIENT,
      'x-road-id': options.xRoadId ?? `forged-${Math.random()}`,
    };
    const body = Buffer.from(options.body ?? '');
    const deps = eco.agencies[options.signerAgency ?? 'tax-board'].deps;
    const signed = await signManifest(await deps.messageSigner.session(), (signer): RequestManifest => ({
      type: 'sild.request.v1',
      client: headers['x-road-client'],
      service: path.split('/').slice(2, 7).join('/'),
      xRoadId: headers['x-road-id'],
      requestId: 'req-1',
      method,
      target: path,
      headers: signedHeaderNames(headers),
      requestHash: requestHash(method, path, headers, signedHeaderNames(headers), body),
      createdAt: new Date(eco.clock.now()).toISOString(),
      signer,
      ...options.manifest,
    }));
    return { url: `${providerUrl()}${path}`, method, headers: { ...headers, ...manifestHeaders(signed) }, body: options.body };
  }

  const send = (request: Awaited<ReturnType<typeof providerRequest>>, patch: Record<string, string> = {}, body = request.body) =>
    httpCall(request.url, { method: request.method, headers: { ...request.headers, ...patch }, body });

  test('a correctly signed request is accepted (the baseline the forgeries below start from)', () =>
    counted(async () => {
      expect((await send(await providerRequest())).status).toBe(200);
    }));

  test('no manifest: did not come through a gateway', () =>
    counted(async () => {
      expectXRoadError(
        await httpCall(`${providerUrl()}${PERSONS}/123`, { headers: { ...client, 'x-road-id': 'x1' } }),
        401,
        'Server.ServerProxy.InvalidSignatureValue',
      );
    }));

  test('a manifest that is not base64 JSON', () =>
    counted(async () => {
      const request = await providerRequest();
      expectXRoadError(await send(request, { 'x-sild-manifest': '!!!not-base64!!!' }), 401, 'Server.ServerProxy.InvalidSignatureValue');
    }));

  test('a truncated signature', () =>
    counted(async () => {
      const request = await providerRequest();
      const truncated = Buffer.from(request.headers['x-sild-signature'], 'base64').subarray(0, 20).toString('base64');
      expectXRoadError(await send(request, { 'x-sild-signature': truncated }), 401, 'Server.ServerProxy.InvalidSignatureValue');
    }));

  test('a forged signature (one bit flipped)', () =>
    counted(async () => {
      const request = await providerRequest();
      const signature = Buffer.from(request.headers['x-sild-signature'], 'base64');
      signature[10] ^= 0x40;
      expectXRoadError(await send(request, { 'x-sild-signature': signature.toString('base64') }), 401, 'Server.ServerProxy.InvalidSignatureValue');
    }));

  test('a signature by a key that is not in the global configuration', () =>
    counted(async () => {
      const request = await providerRequest({
        manifest: { signer: { gateway: 'DEV/GOV/70000002/tax-board', keyId: '00000000000000000000000000000000' } },
      });
      expectXRoadError(await send(request), 401, 'Server.ServerProxy.InvalidSignatureValue');
    }));

  test('a valid signature by a gateway that does not serve the client (business-registry signing for tax-records)', () =>
    counted(async () => {
      expectXRoadError(await send(await providerRequest({ signerAgency: 'business-registry' })), 401, 'Server.ServerProxy.InvalidSignatureValue');
    }));

  test('a body that does not match the manifest', () =>
    counted(async () => {
      const request = await providerRequest({ path: PERSONS, body: '{"a":1}' });
      expectXRoadError(await send(request, {}, '{"a":2}'), 401, 'Server.ServerProxy.InvalidSignatureValue');
    }));

  test('a header that does not match the manifest', () =>
    counted(async () => {
      const request = await providerRequest();
      expectXRoadError(await send(request, { 'x-road-id': 'other-id' }), 401, 'Server.ServerProxy.InvalidSignatureValue');
    }));

  test('a path that does not match the manifest', () =>
    counted(async () => {
      const request = await providerRequest();
      expectXRoadError(
        await httpCall(`${providerUrl()}${PERSONS}/456`, { headers: request.headers }),
        401,
        'Server.ServerProxy.InvalidSignatureValue',
      );
    }));

  test('a replayed message', () =>
    counted(async () => {
      const request = await providerRequest({ xRoadId: 'provider-replay' });
      expect((await send(request)).status).toBe(200);
      expectXRoadError(await send(request), 409, 'Server.ServerProxy.DuplicateMessageId');
    }));

  test('a stale message (signed, then held back for 2 minutes)', () =>
    counted(async () => {
      const request = await providerRequest();
      eco.clock.advance(120_000);
      expectXRoadError(await send(request), 401, 'Server.ServerProxy.StaleMessage');
    }));

  test('a message from the future (beyond the clock skew)', () =>
    counted(async () => {
      const request = await providerRequest({ manifest: { createdAt: new Date(eco.clock.now() + 120_000).toISOString() } });
      expectXRoadError(await send(request), 401, 'Server.ServerProxy.StaleMessage');
    }));

  test('a signed request for a service this gateway does not offer', () =>
    counted(async () => {
      expectXRoadError(
        await send(await providerRequest({ path: '/r1/DEV/GOV/70000001/population/vehicles/1' })),
        404,
        'Server.ServerProxy.UnknownService',
      );
    }));

  test('a signed request on another protocol version', () =>
    counted(async () => {
      const request = await providerRequest({ path: '/r2/DEV/GOV/70000001/population/persons/1' });
      expectXRoadError(await send(request), 400, 'Client.InvalidProtocolVersion');
    }));
});

describe('bad input on the central API', () => {
  const join = (body: string, credential = eco.credentials[0]) =>
    signedPost(new URL(`${eco.centralUrl}/join`), body, {
      region: LOCAL_REGION,
      credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
    });
  const asCall = async (response: Response): Promise<CallResult> => {
    const body = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: Object.fromEntries(response.headers), body, json: <T>() => JSON.parse(body.toString('utf8')) as T };
  };

  test('an unknown route', () =>
    counted(async () => {
      expectXRoadError(await httpCall(`${eco.centralUrl}/admin/members`), 404, 'Client.NotFound');
    }));

  test('join without a signature', () =>
    counted(async () => {
      expectXRoadError(
        await httpCall(`${eco.centralUrl}/join`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }),
        403,
        'Client.Unauthorized',
      );
    }));

  test('join with a signature by unknown credentials', () =>
    counted(async () => {
      const stranger = { ...eco.credentials[0], accessKeyId: 'AKIASTRANGER', secretAccessKey: 'nope' };
      expectXRoadError(await asCall(await join('{}', stranger)), 403, 'Client.Unauthorized');
    }));

  test('join with a body that is not JSON', () =>
    counted(async () => {
      expectXRoadError(await asCall(await join('{not json')), 400, 'Client.BadRequest');
    }));

  test('join with a body that misses fields', () =>
    counted(async () => {
      expectXRoadError(await asCall(await join('{"agency":"population-registry"}')), 400, 'Client.BadRequest');
    }));

  test("join by one agency's account for another agency", () =>
    counted(async () => {
      const body = JSON.stringify({
        agency: 'tax-board',
        member: { id: 'DEV/GOV/70000002', name: 'x' },
        subsystems: ['tax-records'],
        services: [],
        gateway: { id: 'DEV/GOV/70000002/tax-board', providerUrl: 'http://127.0.0.1:1', publicKeys: ['AAAA'] },
        signedAt: new Date().toISOString(),
        proofs: ['AAAA'],
      });
      expectXRoadError(await asCall(await join(body, eco.credentials[0])), 403, 'Client.Unauthorized');
    }));

  test('join with a public key that is not a key', () =>
    counted(async () => {
      const body = JSON.stringify({
        agency: 'population-registry',
        member: { id: 'DEV/GOV/70000001', name: 'x' },
        subsystems: ['population'],
        services: [],
        gateway: { id: 'DEV/GOV/70000001/population-registry', providerUrl: 'http://127.0.0.1:1', publicKeys: ['AAAA'] },
        signedAt: new Date().toISOString(),
        proofs: ['AAAA'],
      });
      expectXRoadError(await asCall(await join(body)), 400, 'Client.BadRequest');
    }));

  test('GET on the join route', () =>
    counted(async () => {
      expectXRoadError(await httpCall(`${eco.centralUrl}/join`), 404, 'Client.NotFound');
    }));
});

// ---------------------------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------------------------

interface FaultRow {
  readonly fault: string;
  sent: number;
  delivered: number;
  logged: number;
  lost: number;
}
const faultRows: FaultRow[] = [];

/**
 * Sends `count` messages under a fault and checks the guarantees: every delivered response has all four log
 * records (consumer and provider, request and response); every refusal is an X-Road error; a retry with the same
 * X-Road-Id of a message the backend already answered never reaches the backend again.
 */
async function underFault(
  fault: string,
  count: number,
  expected: { status: number; type?: string },
  path = `${PERSONS}/123`,
  beforeEachMessage?: () => void,
): Promise<FaultRow> {
  const row: FaultRow = { fault, sent: 0, delivered: 0, logged: 0, lost: 0 };
  faultRows.push(row);
  for (let index = 0; index < count; index += 1) {
    const xRoadId = `${fault.replace(/\W+/g, '-')}-${index}`;
    beforeEachMessage?.();
    row.sent += 1;
    const response = await eco.call(path, { headers: { ...client, 'x-road-id': xRoadId } });
    if (expected.type) expectXRoadError(response, expected.status, expected.type);
    else expect(response.status).toBe(expected.status);
    if (response.headers['x-road-error'] === undefined) {
      row.delivered += 1;
      const consumer = await eco.agencies['tax-board'].deps.log.find(TAX_CLIENT, xRoadId);
      const provider = await eco.agencies['population-registry'].deps.log.find(TAX_CLIENT, xRoadId);
      const complete = ['request', 'response'].every(
        (direction) =>
          consumer.some((r) => r.direction === direction && !r.errorType) && provider.some((r) => r.direction === direction && !r.errorType),
      );
      if (complete) row.logged += 1;
      else row.lost += 1;
    }
  }
  expect(row.lost).toBe(0);
  return row;
}

/** A DynamoDB fault on one table's writes for the next `times` calls (undefined: until cleared). */
function dynamoFault(table: string, answer: FaultAnswer, times?: number): void {
  let remaining = times ?? Number.POSITIVE_INFINITY;
  eco.dynamodb.setRule((call) => {
    if (call.body.TableName !== table || !call.target.endsWith('.PutItem') || remaining <= 0) return undefined;
    remaining -= 1;
    return answer;
  });
}
const THROTTLE: FaultAnswer = { status: 400, type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate exceeded' };
const DOWN: FaultAnswer = { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' };
/** DynamoDB wrote the item, but its answer was lost (a 500 instead): the retry finds the item there. */
const LOST_ANSWER: FaultAnswer = { ...DOWN, afterForwarding: true };

describe('faults', () => {
  test('KMS throttles twice: the SDK retries with back-off and every message is delivered', () =>
    counted(async () => {
      await underFault('KMS throttling (2 per message)', 3, { status: 200 }, undefined, () =>
        eco.kms.setFault({ operation: 'Sign', kind: 'throttle', remaining: 2 }),
      );
    }));

  test('KMS unavailable: SigningFailed, nothing delivered', () =>
    counted(async () => {
      eco.kms.setFault({ operation: 'Sign', kind: 'unavailable' });
      await underFault('KMS unavailable', 5, { status: 503, type: 'Server.ClientProxy.SigningFailed' });
    }));

  test('DynamoDB throttles the message log twice: retried, delivered and logged', () =>
    counted(async () => {
      // On the consumer's log: the provider side waits at most providerTimeoutMs (1.2 s here) for the back-off.
      await underFault('DynamoDB log throttling (2 per message)', 3, { status: 200 }, undefined, () =>
        dynamoFault(eco.agencies['tax-board'].logTable, THROTTLE, 2),
      );
    }));

  test('DynamoDB wrote a log record but its answer was lost: the retry recognises its own record — delivered and logged, not DuplicateMessageId', () =>
    counted(async () => {
      await underFault('DynamoDB answer lost after the write (provider log)', 3, { status: 200 }, undefined, () =>
        dynamoFault(eco.agencies['population-registry'].logTable, LOST_ANSWER, 1),
      );
    }));

  test('DynamoDB unavailable for the provider log: LoggingFailed, unsigned (the request is not logged) and reported by the consumer as NetworkError, nothing delivered', () =>
    counted(async () => {
      dynamoFault(eco.agencies['population-registry'].logTable, DOWN);
      await underFault('DynamoDB provider log unavailable', 5, { status: 503, type: 'Server.ClientProxy.NetworkError' });
    }));

  test('DynamoDB unavailable for the consumer log: LoggingFailed, nothing forwarded', () =>
    counted(async () => {
      const calls = eco.backend.received.length;
      dynamoFault(eco.agencies['tax-board'].logTable, DOWN);
      await underFault('DynamoDB consumer log unavailable', 5, { status: 503, type: 'Server.ClientProxy.LoggingFailed' });
      expect(eco.backend.received.length).toBe(calls);
    }));

  test('DynamoDB unavailable for the registry: joins fail with DatabaseError, exchanges go on with the cached configuration', () =>
    counted(async () => {
      eco.dynamodb.setRule((call) => (call.body.TableName === 'sild-registry' ? DOWN : undefined));
      eco.clock.advance(61_000); // the next exchange wants a refresh, which fails: the valid copy keeps serving
      await underFault('DynamoDB registry unavailable', 5, { status: 200 });
      const credential = eco.credentials[0];
      const response = await signedPost(
        new URL(`${eco.centralUrl}/join`),
        JSON.stringify({
          agency: 'population-registry',
          member: { id: 'DEV/GOV/70000001', name: 'P' },
          subsystems: ['population'],
          services: [],
          gateway: {
            id: 'DEV/GOV/70000001/population-registry',
            providerUrl: eco.agencies['population-registry'].providerUrl,
            publicKeys: [(await (await eco.agencies['population-registry'].deps.keys.current()).publicKey()).toString('base64')],
          },
          signedAt: new Date(eco.clock.now()).toISOString(),
          proofs: ['AAAA'],
        }),
        { region: LOCAL_REGION, credentials: credential },
      );
      expect(response.status).toBe(503);
      expect(response.headers.get('x-road-error')).toBe('Server.ClientProxy.DatabaseError');
    }));

  test('backend connection refused: ServiceFailed', () =>
    counted(async () => {
      await underFault(
        'backend connection refused',
        5,
        { status: 502, type: 'Server.ServerProxy.ServiceFailed' },
        '/r1/DEV/GOV/70000001/population/unreachable',
      );
    }));

  test('backend slower than its timeout: ServiceFailed (504)', () =>
    counted(async () => {
      await underFault('backend timeout', 2, { status: 504, type: 'Server.ServerProxy.ServiceFailed' }, '/r1/DEV/GOV/70000001/population/slow');
    }));

  test('provider slower than the consumer timeout: NetworkError; a retry with the same X-Road-Id does not call the backend again', () =>
    counted(async () => {
      await underFault(
        'provider beyond the gateway timeout',
        1,
        { status: 502, type: 'Server.ClientProxy.NetworkError' },
        '/r1/DEV/GOV/70000001/population/patient',
      );
      await new Promise((resolve) => setTimeout(resolve, SLOW_MS)); // the provider finishes and logs meanwhile
      const retry = await eco.call('/r1/DEV/GOV/70000001/population/patient', {
        headers: { ...client, 'x-road-id': 'provider-beyond-the-gateway-timeout-0' },
      });
      expectXRoadError(retry, 409, 'Server.ClientProxy.DuplicateMessageId');
      const provider = await eco.agencies['population-registry'].deps.log.find(TAX_CLIENT, 'provider-beyond-the-gateway-timeout-0');
      expect(provider.filter((record) => record.direction === 'request')).toHaveLength(1);
    }));

  test('provider gateway unreachable: NetworkError', () =>
    counted(async () => {
      await pauseProvider(async () => {
        await underFault('provider gateway unreachable', 5, { status: 502, type: 'Server.ClientProxy.NetworkError' });
      });
    }));

  test('configuration endpoint down: served from the valid copy until it expires, then OutdatedGlobalConf', () =>
    counted(async () => {
      await eco.central.pause();
      try {
        eco.clock.advance(61_000);
        await underFault('central down, configuration still valid', 5, { status: 200 });
        eco.clock.advance(600_000);
        await underFault('central down, configuration expired', 5, { status: 503, type: 'Server.ClientProxy.OutdatedGlobalConf' });
      } finally {
        await eco.central.resume();
      }
      eco.clock.advance(120_000);
      await underFault('central back', 2, { status: 200 });
    }));
});

async function pauseProvider(run: () => Promise<void>): Promise<void> {
  const front = eco.agencies['population-registry'].fronts.provider;
  await front.pause();
  try {
    await run();
  } finally {
    await front.resume();
  }
}

function printReport(): void {
  const lines = [
    '',
    'Robustness report',
    `  cases tried ${tally.cases}, passed ${tally.passed}`,
    '  fault                                         sent  delivered  logged  lost',
    ...faultRows.map(
      (row) =>
        `  ${row.fault.padEnd(44)} ${String(row.sent).padStart(5)} ${String(row.delivered).padStart(10)} ${String(row.logged).padStart(7)} ${String(row.lost).padStart(5)}`,
    ),
    `  total                                        ${String(sum('sent')).padStart(5)} ${String(sum('delivered')).padStart(10)} ${String(sum('logged')).padStart(7)} ${String(sum('lost')).padStart(5)}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function sum(key: 'sent' | 'delivered' | 'logged' | 'lost'): number {
  return faultRows.reduce((total, row) => total + row[key], 0);
}
