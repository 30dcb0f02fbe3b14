import {
  centralSettingsSchema,
  GlobalConfigurationPublisher,
  handleCentralRequest,
  join,
  type CentralDeps,
  type JoinRequest,
} from '../../lambdas/core/central';
import { XRoadError } from '../../lambdas/core/errors';
import { verifyGlobalConfiguration } from '../../lambdas/core/global-configuration';
import type { CallerIdentity, HttpRequest } from '../../lambdas/core/http';
import { keyIdOf } from '../../lambdas/core/signatures';
import { ManualClock, MemoryRegistry, newTestKey, rejectionOf } from './support/fixtures';

const POPULATION_ACCOUNT = '111111111111';
const TAX_ACCOUNT = '222222222222';
const gatewayKey = newTestKey();
const centralKey = newTestKey();

const settings = centralSettingsSchema.parse({ instance: 'DEV', memberClasses: ['GOV', 'COM'] });
/** The join allow-list the deployment writes into the registry. */
const ALLOWED = [
  { name: 'population-registry', account: POPULATION_ACCOUNT, member: 'DEV/GOV/70000001' },
  { name: 'tax-board', account: TAX_ACCOUNT, member: 'DEV/GOV/70000002' },
];

function validJoin(): JoinRequest {
  return {
    agency: 'population-registry',
    member: { id: 'DEV/GOV/70000001', name: 'Population Registry' },
    subsystems: ['population'],
    services: [{ subsystem: 'population', code: 'persons' }],
    gateway: { id: 'DEV/GOV/70000001/gw1', providerUrl: 'https://population.example/provider', publicKeys: [gatewayKey.spkiBase64] },
  };
}

/** `identity: null` sends no identity at all (a default parameter would replace `undefined`). */
function joinRequest(body: unknown, identity: CallerIdentity | null = { accountId: POPULATION_ACCOUNT }): HttpRequest {
  return {
    method: 'POST',
    rawPath: '/join',
    rawQuery: '',
    headers: { 'content-type': 'application/json' },
    body: Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    ...(identity === null ? {} : { identity }),
  };
}

function deps(): CentralDeps & { registry: MemoryRegistry; clock: ManualClock } {
  return { settings, registry: new MemoryRegistry(ALLOWED), signer: centralKey, clock: new ManualClock(Date.parse('2025-03-01T12:00:00.000Z')) };
}

/** Runs `join` and asserts it refuses with `type`/`status` and stores nothing. */
async function expectRefused(request: HttpRequest, type: string, status: number): Promise<XRoadError> {
  const d = deps();
  const error = await rejectionOf(join(request, d));
  expect(error).toBeInstanceOf(XRoadError);
  expect({ type: (error as XRoadError).type, status: (error as XRoadError).status }).toEqual({ type, status });
  expect(d.registry.entries.size).toBe(0);
  return error as XRoadError;
}

function withBody(change: (body: JoinRequest) => unknown): HttpRequest {
  return joinRequest(change(validJoin()));
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
    expect(await d.registry.list()).toEqual([{ ...validJoin(), account: POPULATION_ACCOUNT, joinedAt: '2025-03-01T12:00:00.000Z' }]);
  });

  test('a second join of the same agency replaces the first', async () => {
    const d = deps();
    await join(joinRequest(validJoin()), d);
    await join(withBody((body) => ({ ...body, subsystems: ['population', 'archive'] })), d);
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
    await expectRefused(withBody((body) => ({ ...body, agency: 'unknown-agency' })), 'Client.Unauthorized', 403);
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
    const body = {
      ...validJoin(),
      agency: 'tax-board',
      member: { id: 'DEV/GOV/70000002', name: 'Tax Board' },
      subsystems: ['tax-records'],
      services: [],
      gateway: { ...validJoin().gateway, id: 'DEV/GOV/70000002/gw1' },
    };
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
    await expectRefused(withBody((body) => ({ ...body, gateway: { ...body.gateway, publicKeys: [gatewayKey.spkiBase64, key] } })), 'Client.BadRequest', 400);
  });

  test.each(['DEV/GOV/70000002/gw1', 'DEV/GOV/70000001', 'DEV/GOV/70000001/gw1/x', 'DEV/COM/70000001/gw1', 'DEV/GOV/70000001/', 'DEV/GOV/70000001/g w'])(
    'a gateway id that is not MEMBER/SERVERCODE of the member: %j',
    async (id) => {
      await expectRefused(withBody((body) => ({ ...body, gateway: { ...body.gateway, id } })), 'Client.BadRequest', 400);
    },
  );
});

describe('join: settings the member must match', () => {
  test('a member outside the instance, or of an unknown class, is refused even when allow-listed', async () => {
    for (const member of ['EE/GOV/70000001', 'DEV/XYZ/70000001']) {
      const d = deps();
      d.registry.allowed = [{ name: 'population-registry', account: POPULATION_ACCOUNT, member }];
      const body = { ...validJoin(), member: { id: member, name: 'x' }, gateway: { ...validJoin().gateway, id: `${member}/gw1` } };
      const error = await rejectionOf(join(joinRequest(body), d));
      expect((error as XRoadError).type).toBe('Client.BadRequest');
      expect(d.registry.entries.size).toBe(0);
    }
  });
});

describe('handleCentralRequest', () => {
  test('maps a refused join to an X-Road error response', async () => {
    const d = deps();
    const response = await handleCentralRequest(joinRequest(validJoin(), null), d, new GlobalConfigurationPublisher(d));
    expect(response.status).toBe(403);
    expect(response.headers['x-road-error']).toBe('Client.Unauthorized');
  });

  test('a join is visible in the next published configuration', async () => {
    const d = deps();
    const publisher = new GlobalConfigurationPublisher(d);
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

  test('an unknown route is Client.NotFound 404', async () => {
    const d = deps();
    const response = await handleCentralRequest({ method: 'GET', rawPath: '/nope', rawQuery: '', headers: {}, body: Buffer.alloc(0) }, d, new GlobalConfigurationPublisher(d));
    expect(response.status).toBe(404);
    expect(response.headers['x-road-error']).toBe('Client.NotFound');
  });
});
