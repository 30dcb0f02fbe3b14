/**
 * The attack suite: each test is an attack a hostile member (its own gateway, its own keys), a man in the middle
 * or a client with no rights would try, run against the local ecosystem over HTTP, and the property that stops
 * it (the numbers follow `docs/security.md`). An echo backend reports exactly what reached it.
 */
import { localTargetOf } from '../../cli/log-target';
import { localRuntimeInfo } from '../../lib/local/runtime-info';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeHttpClient } from '../../lambdas/adapters/node-http-client';
import { HttpGlobalConfigurationFetcher } from '../../lambdas/adapters/http-global-configuration-fetcher';
import { joinProofBytes, signedJoinRequest, type JoinRequest } from '../../lambdas/core/central/join-request';
import { verifyEvidence, type EvidenceBundle } from '../../lambdas/core/log/evidence';
import { signedPost } from '../../lambdas/adapters/sigv4-central-client';
import { exportEvidenceCommand } from '../../cli/commands';
import { LOCAL_REGION } from '../../lib/local/ecosystem';
import type { CallResult } from '../../lib/local/http-call';
import { expectXRoadError, startTestEcosystem, TAX_CLIENT, testConfig, type TestEcosystem } from '../e2e/fixture';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { hostileMember, impersonateProvider, type HostileMember } from './hostile-member';

const RECORDS = '/r1/DEV/GOV/70000001/population/records';
const ECHO = '/r1/DEV/GOV/70000001/population/echo';
const DEEP = '/r1/DEV/GOV/70000001/population/deep';
const PERSONS = '/r1/DEV/GOV/70000001/population/persons';
const CRM_CLIENT = 'DEV/COM/10000003/crm';

let eco: TestEcosystem;
let echo: EchoBackend;
let attacker: HostileMember;

beforeAll(async () => {
  echo = await startEchoBackend();
  eco = await startTestEcosystem({
    config: testConfig((raw) => {
      const population = raw.agencies.find((agency) => agency.name === 'population-registry')!;
      population.services.push(
        { subsystem: 'population', code: 'records', backendUrl: `${echo.url}/records` },
        { subsystem: 'population', code: 'echo', backendUrl: `${echo.url}/echo` },
        { subsystem: 'population', code: 'deep', backendUrl: `${echo.url}/deep` },
      );
      population.accessRights.push(
        { service: 'population/records', subject: TAX_CLIENT, methods: ['GET'], paths: ['/123/**'] },
        { service: 'population/echo', subject: TAX_CLIENT, methods: ['*'], paths: ['**'] },
        { service: 'population/deep', subject: TAX_CLIENT, methods: ['GET'], paths: ['/**/**/**/**/**/**/**/**/x'] },
      );
    }),
  });
  attacker = hostileMember(eco);
});

afterAll(async () => {
  await eco?.stop();
  await echo?.stop();
});

const client = { 'x-road-client': TAX_CLIENT };
const backendCalls = () => echo.received.length;

describe('1. paths cannot escape access rights or the base URL', () => {
  test('baseline: a right on /123/** reaches exactly /records/123/… at the backend', async () => {
    const response = await attacker.send('population-registry', { path: `${RECORDS}/123/profile` });
    expect(response.status).toBe(200);
    expect(echo.received.at(-1)!.target).toBe('/records/123/profile');
  });

  test.each([
    ['backslash dot-dot after the allowed prefix', '/123/x\\..\\..\\456'],
    ['%5C-encoded backslashes', '/123/x%5C..%5C..%5C456'],
    ['an encoded slash inside a segment', '/123%2F..%2F456'],
    ['dot segments', '/123/../456'],
    ['%2e%2e dot segments', '/123/%2e%2e/456'],
    ['mixed .%2E dot segments', '/123/.%2E/456'],
    ['mixed %2E. dot segments', '/123/%2E./456'],
    ['a single dot segment', '/123/./x'],
    ['an encoded NUL', '/123/a%00b'],
    ['an encoded line feed', '/123/a%0Ab'],
    ['an empty segment', '/123//456'],
    ['a percent escape that is not UTF-8', '/123/%FF'],
    ['a malformed percent escape', '/123/%zz'],
  ])('%s, sent straight to the provider → 400 Client.BadRequest, nothing reaches the backend', async (_attack, rest) => {
    const before = backendCalls();
    expectXRoadError(await attacker.send('population-registry', { path: `${RECORDS}${rest}` }), 400, 'Client.BadRequest');
    expect(backendCalls()).toBe(before);
  });

  test.each([
    ['backslash dot-dot', '/123/x\\..\\..\\456'],
    ['%2e%2e', '/123/%2e%2e/456'],
    ['%5C', '/123/x%5C..%5C456'],
  ])('%s through the consumer side is refused the same way', async (_attack, rest) => {
    const before = backendCalls();
    expectXRoadError(await eco.call(`${RECORDS}${rest}`, { headers: client }), 400, 'Client.BadRequest');
    expect(backendCalls()).toBe(before);
  });

  test('a path outside the right is denied; another spelling of an allowed path is the same path', async () => {
    expectXRoadError(await attacker.send('population-registry', { path: `${RECORDS}/456` }), 403, 'Server.ServerProxy.AccessDenied');
    expect((await attacker.send('population-registry', { path: `${RECORDS}/%31%32%33/a` })).status).toBe(200);
    expect(echo.received.at(-1)!.target).toBe('/records/%31%32%33/a');
  });
});

describe('2. access-rule evaluation is linear', () => {
  // A backtracking matcher (the old glob → regular expression) spends minutes on this; the segment matcher answers at once.
  test('the longest accepted path (2 KB) against a rule with eight "**" is decided without backtracking', async () => {
    const path = `${DEEP}/${Array.from({ length: 80 }, () => 'aaaaaaaaaaaaaaaaaaaaaaaa').join('/')}/y`;
    expect(path.length - DEEP.length).toBeGreaterThan(2000);
    expectXRoadError(await attacker.send('population-registry', { path }), 403, 'Server.ServerProxy.AccessDenied');
    expect((await attacker.send('population-registry', { path: `${DEEP}/a/b/c/x` })).status).toBe(200);
  }, 5000);

  test('paths beyond the length and segment bounds are refused before any rule is matched', async () => {
    expectXRoadError(await attacker.send('population-registry', { path: `${ECHO}/${'a'.repeat(2100)}` }), 400, 'Client.BadRequest');
    expectXRoadError(
      await attacker.send('population-registry', { path: `${ECHO}/${Array.from({ length: 130 }, () => 'a').join('/')}` }),
      400,
      'Client.BadRequest',
    );
    // Through the consumer side a target too long to reach any provider is refused at once (414).
    expectXRoadError(await eco.call(`${ECHO}/x?q=${'a'.repeat(3100)}`, { headers: client }), 414, 'Client.RequestTooLarge');
  });
});

describe('3. session certificates have a bounded life', () => {
  const HOUR = 3600_000;
  test.each([
    ['valid for ten years, signed by the member’s own gateway key', () => [eco.clock.now() - 1000, eco.clock.now() + 10 * 365 * 24 * HOUR]],
    ['not valid before an hour from now', () => [eco.clock.now() + HOUR, eco.clock.now() + 1.5 * HOUR]],
    ['expired an hour ago', () => [eco.clock.now() - 2 * HOUR, eco.clock.now() - HOUR]],
  ])('a certificate %s → 401 InvalidSignatureValue', async (_what, validity) => {
    const [notBefore, notAfter] = validity();
    const session = await attacker.forgeSession(notBefore, notAfter);
    const before = backendCalls();
    const response = await attacker.send('population-registry', {
      path: `${ECHO}/x`,
      session,
      manifest: { createdAt: new Date(Math.min(Math.max(eco.clock.now(), notBefore), notAfter)).toISOString() },
    });
    expectXRoadError(response, 401, 'Server.ServerProxy.InvalidSignatureValue');
    expect(backendCalls()).toBe(before);
  });

  test('a certificate issued by a key the global configuration does not list for the gateway → 401', async () => {
    const { newTestKey } = await import('../support/memory-adapters');
    const session = await attacker.forgeSession(eco.clock.now() - 1000, eco.clock.now() + 600_000, newTestKey());
    expectXRoadError(await attacker.send('population-registry', { path: `${ECHO}/x`, session }), 401, 'Server.ServerProxy.InvalidSignatureValue');
  });

  test('baseline: a certificate within bounds is accepted', async () => {
    const session = await attacker.forgeSession(eco.clock.now() - 1000, eco.clock.now() + 600_000);
    expect((await attacker.send('population-registry', { path: `${ECHO}/x`, session })).status).toBe(200);
  });
});

describe('4. no unsigned answer reaches a client as the provider’s', () => {
  const impersonate = (handle: Parameters<typeof impersonateProvider>[2], run: () => Promise<void>) =>
    impersonateProvider(eco, 'population-registry', handle, run);

  test('a hostile endpoint answers 200 with a body of its own → 502 InvalidSignatureValue, the body never reaches the client', async () => {
    await impersonate(
      (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"id":"123","givenName":"Forged"}');
      },
      async () => {
        const response = await eco.call(`${PERSONS}/123`, { headers: client });
        expectXRoadError(response, 502, 'Server.ClientProxy.InvalidSignatureValue');
        expect(response.body.toString()).not.toContain('Forged');
      },
    );
  });

  test('an unsigned X-Road error (the old way to slip any status and body through) → 502 InvalidSignatureValue naming the claim', async () => {
    await impersonate(
      (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'x-road-error': 'Server.ServerProxy.AccessDenied' });
        response.end('{"type":"Server.ServerProxy.AccessDenied","message":"pay here: https://evil.example","detail":"x"}');
      },
      async () => {
        const response = await eco.call(`${PERSONS}/123`, { headers: client });
        expectXRoadError(response, 502, 'Server.ClientProxy.InvalidSignatureValue');
        expect(response.json<{ message: string }>().message).toMatch(/claiming Server\.ServerProxy\.AccessDenied.*not signed/);
      },
    );
  });

  test('a man in the middle alters a signed answer, or replays another exchange’s signed answer → 502 InvalidSignatureValue', async () => {
    const genuine = await eco.call(`${PERSONS}/123`, { headers: client });
    expect(genuine.status).toBe(200);
    // Capture a signed answer as the provider sent it (the consumer strips the signature headers towards clients).
    const captured = await attacker.send('population-registry', { path: `${PERSONS}/123` });
    expect(captured.headers['x-sild-manifest']).toBeDefined();
    for (const forge of [(answer: CallResult) => ({ ...answer, body: Buffer.from(answer.body.toString().replace('Mari', 'Eve')) }), () => captured]) {
      await impersonate(
        (_request, response) => {
          const answer = forge(captured);
          const { 'content-length': _length, connection: _c, 'keep-alive': _k, ...headers } = answer.headers;
          response.writeHead(answer.status, headers);
          response.end(answer.body);
        },
        async () => {
          expectXRoadError(await eco.call(`${PERSONS}/123`, { headers: client }), 502, 'Server.ClientProxy.InvalidSignatureValue');
        },
      );
    }
  });

  test('outside the local runtime a provider gateway is called over https only: an http URL in the configuration is never called', async () => {
    const strict = await startTestEcosystem({ gatewayOverrides: { insecureLoopbackHttp: false } });
    try {
      const response = await strict.call(`${PERSONS}/123`, { headers: client });
      expectXRoadError(response, 502, 'Server.ClientProxy.NetworkError');
      expect(response.json<{ message: string }>().message).toMatch(/not reachable over https/);
      expect(strict.backend.received).toEqual([]);
    } finally {
      await strict.stop();
    }
  });

  test('the provider’s own refusals are signed, verified and relayed with their type; the consumer logs the signed answer', async () => {
    const response = await eco.call(`${PERSONS}/123`, {
      agency: 'business-registry',
      headers: { 'x-road-client': CRM_CLIENT, 'x-road-id': 'signed-refusal' },
    });
    expectXRoadError(response, 403, 'Server.ServerProxy.AccessDenied');
    const [record] = (await eco.agencies['business-registry'].deps.log.find(CRM_CLIENT, 'signed-refusal')).filter(
      (entry) => entry.direction === 'response',
    );
    expect(record).toMatchObject({ errorType: 'Server.ServerProxy.AccessDenied', status: 403 });
    expect(record.manifest).toBeTruthy();
    expect(record.signature).toBeTruthy();
  });
});

describe('5. the provider acts on verified facts', () => {
  test('a manifest naming another service than the path → 401, nothing logged under the lie', async () => {
    const before = backendCalls();
    const response = await attacker.send('population-registry', {
      path: `${ECHO}/x`,
      xRoadId: 'service-lie',
      manifest: { service: 'DEV/GOV/70000001/population/persons' },
    });
    expectXRoadError(response, 401, 'Server.ServerProxy.InvalidSignatureValue');
    expect(backendCalls()).toBe(before);
    expect(await eco.agencies['population-registry'].deps.log.find(TAX_CLIENT, 'service-lie')).toEqual([]);
  });

  test('a percent-encoded spelling of the client cannot replay a used X-Road-Id', async () => {
    expect((await attacker.send('population-registry', { path: `${ECHO}/once`, xRoadId: 'replay-spelling' })).status).toBe(200);
    const before = backendCalls();
    const respelled = 'DEV/GOV/70000002/tax%2Drecords';
    expectXRoadError(
      await attacker.send('population-registry', { path: `${ECHO}/once`, xRoadId: 'replay-spelling', client: respelled }),
      401,
      'Server.ServerProxy.InvalidSignatureValue',
    );
    expect(backendCalls()).toBe(before);
  });

  test('a member id as the client (no subsystem) → 401', async () => {
    expectXRoadError(
      await attacker.send('population-registry', { path: `${ECHO}/x`, client: 'DEV/GOV/70000002' }),
      401,
      'Server.ServerProxy.InvalidSignatureValue',
    );
  });
});

describe('6. headers that change backend behaviour never pass', () => {
  const smuggled = {
    'x-http-method-override': 'DELETE',
    'x-http-method': 'DELETE',
    'x-method-override': 'DELETE',
    'x-original-url': '/admin',
    'x-rewrite-url': '/admin',
    forwarded: 'for=10.0.0.1;host=admin.internal',
    'x-forwarded-for': '10.0.0.1',
    'x-forwarded-host': 'admin.internal',
    'x-real-ip': '10.0.0.1',
    'x-middleware-subrequest': 'middleware',
  };
  const reached = () => Object.keys(echo.lastHeaders()).filter((name) => name in smuggled);

  test('sent by a client through the consumer side: dropped, the ordinary header passes', async () => {
    const response = await eco.call(`${ECHO}/h`, { headers: { ...client, ...smuggled, 'x-trace': 'kept' } });
    expect(response.status).toBe(200);
    expect(reached()).toEqual([]);
    expect(echo.lastHeaders()['x-trace']).toEqual(['kept']);
  });

  test('listed and signed by a hostile gateway: the provider drops them again', async () => {
    const response = await attacker.send('population-registry', { path: `${ECHO}/h`, headers: smuggled });
    expect(response.status).toBe(200);
    expect(reached()).toEqual([]);
  });
});

describe('7. a refused request stores no body', () => {
  test('a client without rights posts 50 KB: refused, logged with its hash only', async () => {
    const body = Buffer.alloc(50 * 1024, 0x61);
    const response = await eco.call(PERSONS, {
      agency: 'business-registry',
      method: 'POST',
      headers: { 'x-road-client': CRM_CLIENT, 'x-road-id': 'fill-the-log' },
      body,
    });
    expectXRoadError(response, 403, 'Server.ServerProxy.AccessDenied');
    const [request] = (await eco.agencies['population-registry'].deps.log.find(CRM_CLIENT, 'fill-the-log')).filter(
      (record) => record.direction === 'request',
    );
    expect(request).toMatchObject({ bodyLogged: 'withheld', bodyBytes: body.length });
    expect(request.body).toBeUndefined();
  });

  test('a hostile member posts to a service that is not offered: refused, no body stored', async () => {
    const response = await attacker.send('population-registry', {
      path: '/r1/DEV/GOV/70000001/population/nothing',
      xRoadId: 'unknown-fill',
      body: 'x'.repeat(10_000),
    });
    expectXRoadError(response, 404, 'Server.ServerProxy.UnknownService');
    const [request] = (await eco.agencies['population-registry'].deps.log.find(TAX_CLIENT, 'unknown-fill')).filter(
      (record) => record.direction === 'request',
    );
    expect(request.bodyLogged).toBe('withheld');
  });
});

describe('8. evidence is bound to its exchange', () => {
  test('a bundle spliced from another exchange’s records fails verification', async () => {
    for (const id of ['evidence-a', 'evidence-b'])
      expect((await eco.call(`${ECHO}/e`, { headers: { ...client, 'x-road-id': id } })).status).toBe(200);
    eco.clock.advance(95_000);
    await eco.agencies['tax-board'].seal();
    const dir = mkdtempSync(join(tmpdir(), 'sild-evidence-'));
    const target = localTargetOf(localRuntimeInfo(eco), 'tax-board');
    const quiet = { line: () => undefined, progress: () => undefined };
    const bundles: EvidenceBundle[] = [];
    for (const id of ['evidence-a', 'evidence-b']) {
      const file = join(dir, `${id}.json`);
      expect(await exportEvidenceCommand(target, id, { client: TAX_CLIENT, out: file }, quiet, eco.clock.now())).toBe(0);
      bundles.push(JSON.parse(readFileSync(file, 'utf8')) as EvidenceBundle);
    }
    const [a, b] = bundles;
    expect(verifyEvidence(a, target.anchor).valid).toBe(true);
    const splices: [string, EvidenceBundle][] = [
      ['b’s records under a’s id', { ...a, records: b.records, seals: b.seals }],
      [
        'a’s records plus b’s',
        {
          ...a,
          records: [...a.records, ...b.records.map((entry) => ({ ...entry, seal: entry.seal + a.seals.length }))],
          seals: [...a.seals, ...b.seals],
        },
      ],
      [
        'a’s request with b’s response',
        {
          ...a,
          records: [
            a.records.find((entry) => entry.record.direction === 'request')!,
            { ...b.records.find((entry) => entry.record.direction === 'response')!, seal: a.seals.length },
          ],
          seals: [...a.seals, ...b.seals],
        },
      ],
      ['a’s request twice', { ...a, records: [a.records[0], a.records[0]] }],
    ];
    for (const [what, spliced] of splices) {
      writeFileSync(join(dir, 'spliced.json'), JSON.stringify(spliced));
      expect({ what, valid: verifyEvidence(spliced, target.anchor).valid }).toEqual({ what, valid: false });
    }
  });
});

describe('9. joining asserts only what it may', () => {
  const taxCredential = () => eco.credentials.find((credential) => credential.account === '333333333333')!;
  const post = (body: unknown) =>
    signedPost(new URL(`${eco.centralUrl}/join`), JSON.stringify(body), { region: LOCAL_REGION, credentials: taxCredential() });
  const asCall = async (response: Response): Promise<CallResult> => {
    const body = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: Object.fromEntries(response.headers), body, json: <T>() => JSON.parse(body.toString('utf8')) as T };
  };
  const taxJoin = async (providerUrl = eco.agencies['tax-board'].providerUrl): Promise<JoinRequest> => {
    const deps = eco.agencies['tax-board'].deps;
    return signedJoinRequest(eco.agencies['tax-board'].registration, providerUrl, deps.keys, eco.clock.now());
  };

  test.each([
    ['the instance metadata service', 'http://169.254.169.254/latest/meta-data'],
    ['a private address over https', 'https://10.0.0.5/provider'],
    ['plain http on a public name', 'http://tax.example/provider'],
  ])('a provider URL pointing at %s → 400, the registry keeps the real one', async (_what, providerUrl) => {
    expectXRoadError(await asCall(await post(await taxJoin(providerUrl))), 400, 'Client.BadRequest');
  });

  test('a key the member does not hold (no proof, or a proof by its own key for a stranger’s key) → 400', async () => {
    const { newTestKey } = await import('../support/memory-adapters');
    const { proofs: _proofs, ...unproven } = await taxJoin();
    expectXRoadError(await asCall(await post(unproven)), 400, 'Client.BadRequest');
    const genuine = await taxJoin();
    const stranger = newTestKey().spkiBase64;
    const withStranger = { ...genuine, gateway: { ...genuine.gateway, publicKeys: [stranger] } };
    expectXRoadError(await asCall(await post({ ...withStranger, proofs: genuine.proofs })), 400, 'Client.BadRequest');
    expect(joinProofBytes(withStranger, withStranger.signedAt).length).toBeGreaterThan(0);
  });

  test('a display name of its own choosing is ignored: the central config names the member', async () => {
    const request = await taxJoin();
    const response = await asCall(await post({ ...request, member: { ...request.member, name: 'Ministry of Everything' } }));
    expect(response.status).toBe(200);
    const configuration = await new HttpGlobalConfigurationFetcher(new NodeHttpClient(), eco.centralUrl).fetch();
    const members = (JSON.parse(configuration.document) as { members: { id: string; name: string }[] }).members;
    expect(members.find((member) => member.id === 'DEV/GOV/70000002')?.name).toBe('Tax Board');
  });
});
