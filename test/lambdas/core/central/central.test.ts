import { centralSettingsSchema } from '../../../../lambdas/core/central/settings';
import { GlobalConfigurationPublisher } from '../../../../lambdas/core/central/publisher';
import { handleCentralRequest } from '../../../../lambdas/core/central/router';
import { join } from '../../../../lambdas/core/central/join';
import { joinProofBytes, type JoinRequest } from '../../../../lambdas/core/central/join-request';
import type { CentralDeps } from '../../../../lambdas/core/central/ports';
import { singleKeyRing } from '../../../../lambdas/core/kernel/ports';
import { XRoadError } from '../../../../lambdas/core/kernel/errors';
import { verifyGlobalConfiguration } from '../../../../lambdas/core/trust/global-configuration';
import type { CallerIdentity, HttpRequest } from '../../../../lambdas/core/kernel/http';
import { keyIdOf } from '../../../../lambdas/core/kernel/signatures';
import { ManualClock, MemoryConfigurationDistribution, MemoryRegistry, newTestKey } from '../../../support/memory-adapters';
import { rejectionOf } from '../../../support/assertions';

const POPULATION_ACCOUNT = '111111111111';
const TAX_ACCOUNT = '222222222222';
const gatewayKey = newTestKey();
const centralKey = newTestKey();

const settings = centralSettingsSchema.parse({ instance: 'DEV', memberClasses: ['GOV', 'COM'] });
/** The join allow-list the deployment writes into the registry. */
const ALLOWED = [
  { name: 'population-registry', account: POPULATION_ACCOUNT, member: 'DEV/GOV/70000001', memberName: 'Population Registry' },
  { name: 'tax-board', account: TAX_ACCOUNT, member: 'DEV/GOV/70000002', memberName: 'Tax Board' },
];
const NOW = '2025-03-01T12:00:00.000Z';

/** Adds the proofs: every listed key signs the request (all with the test gateway key, which holds the first). */
function signed(body: Omit<JoinRequest, 'signedAt' | 'proofs'> & Partial<JoinRequest>, key = gatewayKey): JoinRequest {
  const signedAt = body.signedAt ?? NOW;
  const proof = key.signSync(joinProofBytes(body, signedAt)).toString('base64');
  return { ...body, signedAt, proofs: body.gateway.publicKeys.map(() => proof) };
}

function validJoin(): JoinRequest {
  return signed({
    agency: 'population-registry',
    member: { id: 'DEV/GOV/70000001' },
    subsystems: ['population'],
    services: [{ subsystem: 'population', code: 'persons' }],
    gateway: { id: 'DEV/GOV/70000001/gw1', providerUrl: 'https://population.example/provider', publicKeys: [gatewayKey.spkiBase64] },
  });
}

/** `identity: null` sends no identity at all (a default parameter would replace `undefined`). */
function joinRequest(body: unknown, identity: CallerIdentity | null = { accountId: POPULATION_ACCOUNT }): HttpRequest {
  return {
    method: 'POST',
    rawPath: '/join',
    rawQuery: '',
    headers: { 'content-type': ['application/json'] },
    body: Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    ...(identity === null ? {} : { identity }),
  };
}

function deps(overrides: Partial<typeof settings> = {}): CentralDeps & { registry: MemoryRegistry; clock: ManualClock } {
  return {
    settings: { ...settings, ...overrides },
    registry: new MemoryRegistry(ALLOWED),
    keys: singleKeyRing(centralKey),
    clock: new ManualClock(Date.parse(NOW)),
  };
}

/** Runs `join` and asserts it refuses with `type`/`status` and stores nothing. */
async function expectRefused(request: HttpRequest, type: string, status: number, d = deps()): Promise<XRoadError> {
  const error = await rejectionOf(join(request, d));
  expect(error).toBeInstanceOf(XRoadError);
  expect({ type: (error as XRoadError).type, status: (error as XRoadError).status }).toEqual({ type, status });
  expect(d.registry.entries.size).toBe(0);
  return error as XRoadError;
}

/** The valid join changed, then signed again (so what is refused is the change, not a stale proof). */
function withBody(change: (body: JoinRequest) => unknown): HttpRequest {
  const changed = change(validJoin()) as JoinRequest;
  return joinRequest(changed?.gateway?.publicKeys ? signed(changed) : changed);
}

describe('join: authorization', () => {
  test('accepted for the listed account, agency and member; stored with account and time', async () => {
    const d = deps();
    const response = await join(joinRequest(validJoin()), d);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString('utf8'))).toEqual({
      agency: 'population-registry',
      member: 'DEV/GOV/70000001',
      gateway: 'DEV/GOV/70000001/gw1',
      keyIds: [keyIdOf(gatewayKey.spki)],
    });
    const { signedAt: _signedAt, proofs: _proofs, ...entry } = validJoin();
    expect(await d.registry.list()).toEqual([
      { ...entry, member: { id: 'DEV/GOV/70000001', name: 'Population Registry' }, account: POPULATION_ACCOUNT, joinedAt: NOW },
    ]);
  });

  test('a second join of the same agency replaces the first', async () => {
    const d = deps();
    await join(joinRequest(validJoin()), d);
    await join(
      withBody((body) => ({ ...body, subsystems: ['population', 'archive'] })),
      d,
    );
    const entries = await d.registry.list();
    expect(entries).toHaveLength(1);
    expect(entries[0].subsystems).toEqual(['population', 'archive']);
  });

  test.each<[string, CallerIdentity | null]>([
    ['no identity', null],
    ['an identity without account', { userArn: 'arn:aws:iam::111111111111:user/x' }],
    ['an empty account id', { accountId: '' }],
  ])('%s → Client.Unauthorized 403', async (_what, identity) => {
    await expectRefused(joinRequest(validJoin(), identity), 'Client.Unauthorized', 403);
  });

  test('identity is checked before the body is parsed', async () => {
    await expectRefused(joinRequest('not json', null), 'Client.Unauthorized', 403);
  });

  test("another agency's account → Client.Unauthorized 403", async () => {
    await expectRefused(joinRequest(validJoin(), { accountId: TAX_ACCOUNT }), 'Client.Unauthorized', 403);
    await expectRefused(joinRequest(validJoin(), { accountId: '999999999999' }), 'Client.Unauthorized', 403);
  });

  test('an agency not in the settings → Client.Unauthorized 403', async () => {
    await expectRefused(
      withBody((body) => ({ ...body, agency: 'unknown-agency' })),
      'Client.Unauthorized',
      403,
    );
  });

  test("a member other than the agency's → Client.Unauthorized 403", async () => {
    const error = await expectRefused(
      withBody((body) => ({
        ...body,
        member: { id: 'DEV/GOV/70000002', name: 'Tax Board' },
        gateway: { ...body.gateway, id: 'DEV/GOV/70000002/gw1' },
      })),
      'Client.Unauthorized',
      403,
    );
    expect(error.message).toMatch(/DEV\/GOV\/70000001/);
  });

  test('the tax account may join as tax-board', async () => {
    const d = deps();
    const body = signed({
      ...validJoin(),
      agency: 'tax-board',
      member: { id: 'DEV/GOV/70000002' },
      subsystems: ['tax-records'],
      services: [],
      gateway: { ...validJoin().gateway, id: 'DEV/GOV/70000002/gw1' },
    });
    expect((await join(joinRequest(body, { accountId: TAX_ACCOUNT }), d)).status).toBe(200);
  });
});

describe('join: validation → Client.BadRequest 400', () => {
  test.each(['not json', '{"agency":', ''])('invalid JSON %j', async (text) => {
    await expectRefused(joinRequest(text), 'Client.BadRequest', 400);
  });

  test.each<[string, (body: JoinRequest) => unknown]>([
    ['a non-object body', () => [1, 2]],
    ['missing gateway', ({ gateway: _gateway, ...rest }) => rest],
    ['no subsystems', (body) => ({ ...body, subsystems: [] })],
    ['no public key', (body) => ({ ...body, gateway: { ...body.gateway, publicKeys: [] } })],
    ['five public keys', (body) => ({ ...body, gateway: { ...body.gateway, publicKeys: Array(5).fill(gatewayKey.spkiBase64) } })],
    ['a non-http provider URL', (body) => ({ ...body, gateway: { ...body.gateway, providerUrl: 'ftp://population.example/' } })],
    ['a provider URL that is not a URL', (body) => ({ ...body, gateway: { ...body.gateway, providerUrl: 'population' } })],
  ])('schema: %s', async (_what, change) => {
    await expectRefused(withBody(change), 'Client.BadRequest', 400);
  });

  test.each<[string, (body: JoinRequest) => JoinRequest]>([
    ['a subsystem with a space', (body) => ({ ...body, subsystems: ['popu lation'], services: [] })],
    ['an empty subsystem', (body) => ({ ...body, subsystems: [''], services: [] })],
    ['a subsystem with "/"', (body) => ({ ...body, subsystems: ['a/b'], services: [] })],
    ['an overlong subsystem', (body) => ({ ...body, subsystems: ['s'.repeat(256)], services: [] })],
    ['a service code with "/"', (body) => ({ ...body, services: [{ subsystem: 'population', code: 'persons/v1' }] })],
    ['an empty service code', (body) => ({ ...body, services: [{ subsystem: 'population', code: '' }] })],
  ])('bad identifiers: %s', async (_what, change) => {
    await expectRefused(withBody(change), 'Client.BadRequest', 400);
  });

  test('a service of a subsystem that is not declared', async () => {
    const error = await expectRefused(
      withBody((body) => ({ ...body, services: [{ subsystem: 'archive', code: 'records' }] })),
      'Client.BadRequest',
      400,
    );
    expect(error.message).toMatch(/archive/);
  });

  test.each<[string, string]>([
    ['random bytes', Buffer.from('definitely not a key').toString('base64')],
    ['not base64', '%%%%'],
    ['a PKCS#8 private key', (gatewayKey.privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer).toString('base64')],
    ['a truncated SPKI', gatewayKey.spki.subarray(0, gatewayKey.spki.length - 4).toString('base64')],
  ])('a public key that is not DER SPKI: %s', async (_what, key) => {
    await expectRefused(
      withBody((body) => ({ ...body, gateway: { ...body.gateway, publicKeys: [gatewayKey.spkiBase64, key] } })),
      'Client.BadRequest',
      400,
    );
  });

  test.each([
    'DEV/GOV/70000002/gw1',
    'DEV/GOV/70000001',
    'DEV/GOV/70000001/gw1/x',
    'DEV/COM/70000001/gw1',
    'DEV/GOV/70000001/',
    'DEV/GOV/70000001/g w',
  ])('a gateway id that is not MEMBER/SERVERCODE of the member: %j', async (id) => {
    await expectRefused(
      withBody((body) => ({ ...body, gateway: { ...body.gateway, id } })),
      'Client.BadRequest',
      400,
    );
  });
});

describe('join: asserts only what it may (hostile joiner)', () => {
  test('the display name comes from the central config, whatever the joiner sends', async () => {
    const d = deps();
    await join(
      withBody((body) => ({ ...body, member: { id: body.member.id, name: 'Ministry of Everything' } })),
      d,
    );
    expect((await d.registry.list())[0].member.name).toBe('Population Registry');
  });

  test('registering a key without holding it: no proofs, a proof by another key, a proof over another request', async () => {
    const { proofs: _proofs, ...unproven } = validJoin();
    await expectRefused(joinRequest(unproven), 'Client.BadRequest', 400);
    await expectRefused(joinRequest(signed(validJoin(), newTestKey())), 'Client.BadRequest', 400);
    const otherUrl = signed({ ...validJoin(), gateway: { ...validJoin().gateway, providerUrl: 'https://elsewhere.example/' } });
    await expectRefused(joinRequest({ ...validJoin(), proofs: otherUrl.proofs }), 'Client.BadRequest', 400);
    // Someone else's key, proven by our own key only.
    const stranger = newTestKey();
    await expectRefused(
      withBody((body) => ({ ...body, gateway: { ...body.gateway, publicKeys: [gatewayKey.spkiBase64, stranger.spkiBase64] } })),
      'Client.BadRequest',
      400,
    );
  });

  test('a proof signed long ago (a replayed join) is refused', async () => {
    await expectRefused(joinRequest(signed({ ...validJoin(), signedAt: '2025-03-01T11:00:00.000Z' })), 'Client.BadRequest', 400);
  });

  test.each([
    ['plain http', 'http://population.example/provider'],
    ['the instance metadata service', 'https://169.254.169.254/latest/meta-data'],
    ['a private address', 'https://10.1.2.3/provider'],
    ['an IPv4-mapped private address', 'https://[::ffff:192.168.1.1]/'],
    ['loopback', 'https://127.0.0.1:8443/'],
    ['IPv6 link-local', 'https://[fe80::1]/'],
    ['an internal name', 'https://metadata.google.internal/'],
    ['localhost', 'https://localhost/'],
    ['credentials in the URL', 'https://user:pw@population.example/'],
  ])('a provider URL other gateways must not call: %s', async (_what, providerUrl) => {
    await expectRefused(
      withBody((body) => ({ ...body, gateway: { ...body.gateway, providerUrl } })),
      'Client.BadRequest',
      400,
    );
  });

  test('private addresses are accepted when the deployment allows them; loopback http only in local mode', async () => {
    expect(
      (
        await join(
          withBody((body) => ({ ...body, gateway: { ...body.gateway, providerUrl: 'https://10.1.2.3/' } })),
          deps({ allowPrivateProviderUrls: true }),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await join(
          withBody((body) => ({ ...body, gateway: { ...body.gateway, providerUrl: 'http://127.0.0.1:4002' } })),
          deps({ insecureLoopbackHttp: true }),
        )
      ).status,
    ).toBe(200);
    await expectRefused(
      withBody((body) => ({ ...body, gateway: { ...body.gateway, providerUrl: 'http://10.1.2.3/' } })),
      'Client.BadRequest',
      400,
      deps({ insecureLoopbackHttp: true }),
    );
  });
});

describe('join: settings the member must match', () => {
  test('a member outside the instance, or of an unknown class, is refused even when allow-listed', async () => {
    for (const member of ['EE/GOV/70000001', 'DEV/XYZ/70000001']) {
      const d = deps();
      d.registry.allowed = [{ name: 'population-registry', account: POPULATION_ACCOUNT, member }];
      const body = signed({ ...validJoin(), member: { id: member }, gateway: { ...validJoin().gateway, id: `${member}/gw1` } });
      const error = await rejectionOf(join(joinRequest(body), d));
      expect((error as XRoadError).type).toBe('Client.BadRequest');
      expect(d.registry.entries.size).toBe(0);
    }
  });
});

describe('handleCentralRequest', () => {
  test('maps a refused join to an X-Road error response', async () => {
    const d = deps();
    const response = await handleCentralRequest(
      joinRequest(validJoin(), null),
      d,
      new GlobalConfigurationPublisher(d, new MemoryConfigurationDistribution()),
    );
    expect(response.status).toBe(403);
    expect(response.headers['x-road-error']?.[0]).toBe('Client.Unauthorized');
  });

  test('a join is visible in the next published configuration', async () => {
    const d = deps();
    const publisher = new GlobalConfigurationPublisher(d, new MemoryConfigurationDistribution());
    const anchor = { instance: 'DEV', publicKey: centralKey.spkiBase64 };
    const before = verifyGlobalConfiguration(await publisher.signed(), anchor);
    expect(before.hasMember('DEV/GOV/70000001')).toBe(false);
    expect((await handleCentralRequest(joinRequest(validJoin()), d, publisher)).status).toBe(200);
    const getConf: HttpRequest = { method: 'GET', rawPath: '/globalconf', rawQuery: '', headers: {}, body: Buffer.alloc(0) };
    const response = await handleCentralRequest(getConf, d, publisher);
    expect(response.status).toBe(200);
    const after = verifyGlobalConfiguration(JSON.parse(response.body.toString('utf8')), anchor);
    expect(after.gatewayOfService('DEV/GOV/70000001/population/persons')?.id).toBe('DEV/GOV/70000001/gw1');
  });

  test('GET /globalconf carries an ETag; If-None-Match naming it is 304 without a body until the next publication (issue 25)', async () => {
    const d = deps();
    const publisher = new GlobalConfigurationPublisher(d, new MemoryConfigurationDistribution());
    const getConf = (etag?: string): HttpRequest => ({
      method: 'GET',
      rawPath: '/globalconf',
      rawQuery: '',
      headers: etag ? { 'if-none-match': [etag] } : {},
      body: Buffer.alloc(0),
    });
    const first = await handleCentralRequest(getConf(), d, publisher);
    const etag = first.headers.etag?.[0];
    expect(etag).toMatch(/^"[\w-]{43}"$/);
    const unchanged = await handleCentralRequest(getConf(etag), d, publisher);
    expect({ status: unchanged.status, bytes: unchanged.body.length, etag: unchanged.headers.etag?.[0] }).toEqual({ status: 304, bytes: 0, etag });
    await publisher.publish();
    expect((await handleCentralRequest(getConf(etag), d, publisher)).status).toBe(200);
  });

  test('an unknown route is Client.NotFound 404', async () => {
    const d = deps();
    const response = await handleCentralRequest(
      { method: 'GET', rawPath: '/nope', rawQuery: '', headers: {}, body: Buffer.alloc(0) },
      d,
      new GlobalConfigurationPublisher(d, new MemoryConfigurationDistribution()),
    );
    expect(response.status).toBe(404);
    expect(response.headers['x-road-error']?.[0]).toBe('Client.NotFound');
  });
});

describe('GlobalConfigurationPublisher', () => {
  const versionOf = (signed: { document: string }) => (JSON.parse(signed.document) as { version: number }).version;

  test('every publication has the next version and reaches the distribution', async () => {
    const d = deps();
    const distribution = new MemoryConfigurationDistribution();
    const publisher = new GlobalConfigurationPublisher(d, distribution);
    const first = await publisher.publish();
    d.clock.advance(1000);
    const second = await publisher.publish();
    expect(versionOf(second)).toBe(versionOf(first) + 1);
    expect(distribution.published.map((entry) => entry.version)).toEqual([versionOf(first), versionOf(second)]);
  });

  test('concurrent publications share one', async () => {
    const d = deps();
    const distribution = new MemoryConfigurationDistribution();
    const publisher = new GlobalConfigurationPublisher(d, distribution);
    const [a, b] = await Promise.all([publisher.publish(), publisher.publish()]);
    expect(a).toBe(b);
    expect(distribution.published).toHaveLength(1);
  });

  test('signed() serves the newest publication while it is fresh and publishes again once it is older than the generation interval', async () => {
    const d = deps({ generationSeconds: 60 });
    const distribution = new MemoryConfigurationDistribution();
    const publisher = new GlobalConfigurationPublisher(d, distribution);
    const first = await publisher.signed();
    d.clock.advance(59_000);
    expect(await publisher.signed()).toBe(first);
    expect(distribution.published).toHaveLength(1);
    d.clock.advance(2_000);
    expect(versionOf(await publisher.signed())).toBe(versionOf(first) + 1);
    expect(distribution.published).toHaveLength(2);
  });

  test('a fresh container takes the fresh publication from the distribution instead of signing again', async () => {
    const d = deps({ generationSeconds: 60 });
    const distribution = new MemoryConfigurationDistribution();
    await new GlobalConfigurationPublisher(d, distribution).publish();
    d.clock.advance(10_000);
    const fresh = new GlobalConfigurationPublisher(d, distribution);
    expect((await fresh.signed()).document).toBe(distribution.published[0].document);
    expect(distribution.published).toHaveLength(1);
  });
});
