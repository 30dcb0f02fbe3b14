/**
 * The trust lifecycle end to end, through the local ecosystem and the `sild` commands: gateway and central keys
 * rotate under continuous traffic with no failed exchange; evidence exported before a rotation verifies after it;
 * a fresh container serves from the configuration its gateway kept while the central is unreachable, and refuses
 * a lower version than it holds; a removed agency is refused once the configurations refresh.
 *
 * Timings are shortened (configurations generated every second, gateways refreshing every second, key rings read
 * every second) so each rotation step waits seconds, not minutes.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportEvidenceCommand, verifyEvidenceCommand, verifyLogCommand, type Output } from '../../cli/commands';
import { localTargetOf, readAnchor } from '../../cli/log-target';
import { registryListCommand, registryRemoveCommand, rotateCentralKeyCommand, rotateGatewayKeyCommand } from '../../cli/trust';
import { localTrustTarget } from '../../cli/trust-target';
import { HttpGlobalConfigurationFetcher } from '../../lambdas/adapters/http-global-configuration-fetcher';
import { NodeHttpClient } from '../../lambdas/adapters/node-http-client';
import { signedJoinRequest } from '../../lambdas/core/central/join-request';
import { handleConsumerRequest } from '../../lambdas/core/exchange/consumer-side';
import { verifyGlobalConfiguration, type SignedGlobalConfiguration } from '../../lambdas/core/trust/global-configuration';
import { headersOf, headerValue } from '../../lambdas/core/kernel/http';
import { createGatewayDeps } from '../../lambdas/gateway/gateway-deps';
import { joinCentral } from '../../lambdas/adapters/sigv4-central-client';
import { localRuntimeInfo, type LocalRuntimeInfo } from '../../lib/local/runtime-info';
import { PERSONS, startTestEcosystem, TAX_CLIENT, testConfig, type TestEcosystem } from './fixture';

const POPULATION = 'population-registry';
const TAX = 'tax-board';

let eco: TestEcosystem;
let info: LocalRuntimeInfo;
let dir: string;
const lines: string[] = [];
const out: Output = { line: (text) => lines.push(text), progress: () => undefined };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sild-trust-'));
  eco = await startTestEcosystem({
    config: testConfig((raw) => Object.assign((raw as unknown as { central: Record<string, unknown> }).central, { globalConfGenerationSeconds: 1 })),
    gatewayOverrides: { globalConfRefreshSeconds: 1, keyRingRefreshSeconds: 1, providerTimeoutMs: 3000 },
    centralOverrides: { keyRingRefreshSeconds: 1 },
  });
  for (const agency of Object.values(eco.agencies)) await agency.seal();
  info = localRuntimeInfo(eco);
}, 60_000);
afterAll(async () => {
  await eco?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const target = () => localTrustTarget(info, join(dir, 'anchor.json'));
const currentConfiguration = async () =>
  verifyGlobalConfiguration(await new HttpGlobalConfigurationFetcher(new NodeHttpClient(), eco.centralUrl).fetch(), { ...info.anchor });
const keyIdsOf = async (agency: string) =>
  (await currentConfiguration()).document.gateways
    .find((gateway) => gateway.id === eco.agencies[agency].deps.settings.gatewayId)!
    .keys.map((key) => key.keyId);

/** Calls persons as tax-records every `everyMs` until stopped; returns every status (and error type) seen. */
function traffic(everyMs = 150): { stop(): Promise<string[]> } {
  const seen: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const response = await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } });
      seen.push(
        response.status === 200
          ? '200'
          : `${response.status} ${response.headers['x-road-error'] ?? ''} ${response.body.toString('utf8').slice(0, 200)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

/** Moves every clock of the ecosystem past the current seal window (and its grace) and seals. */
async function sealAll(): Promise<void> {
  eco.clock.advance(95_000);
  for (const agency of Object.values(eco.agencies)) await agency.seal();
}

/** The rotation commands run on the ecosystem's clock, sleeping in real time. */
const onEcosystemClock = { wait: true, now: () => eco.clock.now() };

describe('gateway key rotation', () => {
  test('under continuous traffic no exchange fails; the new key signs, the old one leaves the configuration; old evidence and the log still verify', async () => {
    // An exchange before the rotation, sealed and exported.
    const before = await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } });
    expect(before.status).toBe(200);
    const xRoadId = headerValue(headersOf(Object.entries(before.headers)), 'x-road-id')!;
    await sealAll();
    const bundleFile = join(dir, 'before-rotation.json');
    expect(await exportEvidenceCommand(localTargetOf(info, POPULATION), xRoadId, { client: TAX_CLIENT, out: bundleFile }, out, eco.clock.now())).toBe(
      0,
    );
    const [oldKey] = await keyIdsOf(POPULATION);

    const load = traffic();
    expect(await rotateGatewayKeyCommand(target(), POPULATION, onEcosystemClock, out)).toBe(0);
    const statuses = await load.stop();
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((status) => status !== '200')).toEqual([]);

    const keys = await keyIdsOf(POPULATION);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toBe(oldKey);
    expect(lines.join('\n')).toMatch(/3\/3 population-registry: .* retired/);

    // Evidence exported before verifies after; an exchange from before exports now with the configuration of its time.
    expect(await verifyEvidenceCommand(bundleFile, info.anchor, out)).toBe(0);
    const afterFile = join(dir, 'exported-after-rotation.json');
    expect(await exportEvidenceCommand(localTargetOf(info, POPULATION), xRoadId, { client: TAX_CLIENT, out: afterFile }, out, eco.clock.now())).toBe(
      0,
    );
    expect(await verifyEvidenceCommand(afterFile, info.anchor, out)).toBe(0);
    // The whole log audits clean although its older seals are signed by the retired key.
    await sealAll();
    expect(await verifyLogCommand(localTargetOf(info, POPULATION), out, eco.clock.now())).toBe(0);
  }, 120_000);
});

describe('central key rotation', () => {
  test('under continuous traffic no exchange fails; gateways follow without a redeploy; the new anchor verifies old evidence', async () => {
    const before = await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } });
    const xRoadId = String(before.headers['x-road-id']);
    await sealAll();
    const bundleFile = join(dir, 'before-central-rotation.json');
    expect(await exportEvidenceCommand(localTargetOf(info, TAX), xRoadId, { client: TAX_CLIENT, out: bundleFile }, out, eco.clock.now())).toBe(0);
    const oldAnchor = info.anchor;

    const load = traffic();
    expect(await rotateCentralKeyCommand(target(), onEcosystemClock, out)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // gateways refresh onto configurations signed by the new key
    const statuses = await load.stop();
    expect(statuses.filter((status) => status !== '200')).toEqual([]);

    const newAnchor = readAnchor(join(dir, 'anchor.json'));
    expect(newAnchor.publicKey).not.toBe(oldAnchor.publicKey);
    const configuration = await currentConfiguration();
    expect(configuration.document.centralKeyRotations).toHaveLength(1);
    expect(JSON.parse(Buffer.from(configuration.signed.header, 'base64').toString('utf8')).keyId).toBe(
      configuration.document.centralKeyRotations[0].to.keyId,
    );
    // Evidence from before the rotation verifies under the old anchor and under the new one (it carries the chain).
    expect(await verifyEvidenceCommand(bundleFile, oldAnchor, out)).toBe(0);
    expect(await verifyEvidenceCommand(bundleFile, newAnchor, out)).toBe(0);
    expect(await verifyEvidenceCommand(bundleFile, { instance: newAnchor.instance, publicKey: newAnchor.publicKey }, out)).toBe(1);
  }, 120_000);
});

describe('a fresh container', () => {
  let stale: Server | undefined;
  afterAll(() => stale?.close());

  const freshContainer = (centralUrl: string, events: string[] = []) => {
    const { deployment } = eco.agencies[TAX];
    return createGatewayDeps({ ...deployment, settings: { ...deployment.settings, centralUrl, globalConfSources: [] } }, eco.clients, {
      clock: eco.clock,
      events: (event, fields) => events.push(`${event} ${String(fields.reason ?? '')}`),
    });
  };
  const call = (deps: ReturnType<typeof freshContainer>) =>
    handleConsumerRequest(
      { method: 'GET', rawPath: `${PERSONS}/123`, rawQuery: '', headers: headersOf([['x-road-client', TAX_CLIENT]]), body: Buffer.alloc(0) },
      deps,
    );

  test('with the central unreachable, serves from the configuration its gateway kept', async () => {
    const response = await call(freshContainer('http://127.0.0.1:9'));
    expect(response.status).toBe(200);
  });

  test('refuses a configuration of a lower version than the one it holds, and keeps serving the one it holds', async () => {
    const old: SignedGlobalConfiguration = JSON.parse(readFileSync(join(dir, 'before-rotation.json'), 'utf8')).globalConfiguration;
    stale = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(old)));
    await new Promise<void>((resolve) => stale!.listen(0, '127.0.0.1', resolve));
    const events: string[] = [];
    const deps = freshContainer(`http://127.0.0.1:${(stale.address() as { port: number }).port}`, events);
    expect((await call(deps)).status).toBe(200);
    expect(events.join('\n')).toMatch(/globalconf-refresh-failed .*no rollback/);
    expect((await deps.globalConfiguration.current()).version).toBeGreaterThan(JSON.parse(old.document).version);
  });
});

describe('a flood of configuration reads', () => {
  /** `readers` parallel loops reading `url` for `ms`; returns the count of each status and the error types seen. */
  async function flood(url: string, readers: number, ms: number): Promise<{ statuses: Record<number, number>; errorTypes: Set<string> }> {
    const statuses: Record<number, number> = {};
    const errorTypes = new Set<string>();
    const until = Date.now() + ms;
    await Promise.all(
      Array.from({ length: readers }, async () => {
        while (Date.now() < until) {
          const response = await fetch(url);
          await response.arrayBuffer();
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          if (response.status >= 400) errorTypes.add(String(response.headers.get('x-road-error')));
        }
      }),
    );
    return { statuses, errorTypes };
  }

  test('many parallel readers of the CDN and of the central fail no exchange; the CDN costs its bucket a few reads, the central sheds the excess', async () => {
    const originBefore = eco.cdn.originReads();
    const load = traffic(100);
    const [cdn, central] = await Promise.all([
      flood(`${eco.cdn.url}/globalconf/current.json`, 24, 4000),
      flood(`${eco.centralUrl}/globalconf`, 8, 4000),
    ]);
    const statuses = await load.stop();
    const cdnReads = cdn.statuses;
    const centralReads = central.statuses;

    // The readers share this process's one CPU with the ecosystem, so exchanges are slower, but none fails.
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    expect(statuses.filter((status) => status !== '200')).toEqual([]);
    // Every CDN read answered; the bucket read about once per max-age and per new version, not once per reader.
    const cdnTotal = Object.values(cdnReads).reduce((sum, count) => sum + count, 0);
    expect(Object.keys(cdnReads)).toEqual(['200']);
    expect(cdnTotal).toBeGreaterThan(500);
    expect(eco.cdn.originReads() - originBefore).toBeLessThan(20);
    // The central's own /globalconf budget (40/s, burst 80) answers the rest with 429, X-Road style.
    expect(centralReads[429]).toBeGreaterThan(0);
    expect(centralReads[200]).toBeLessThanOrEqual(80 + 40 * 5);
    expect([...central.errorTypes]).toEqual(['Server.ClientProxy.Throttled']);
  }, 60_000);
});

describe('registry removal', () => {
  test('a removed agency is listed, removed, and refused by every gateway once refreshed', async () => {
    expect(await registryListCommand(target(), out)).toBe(0);
    expect(lines.join('\n')).toMatch(/tax-board .* published/);
    expect(await registryRemoveCommand(target(), TAX, out)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, info.rotation.publishWaitSeconds * 1000)); // a publication, the CDN, a refresh
    const refused = await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(String(refused.headers['x-road-error'])).toMatch(/InvalidSignatureValue|UnknownMember/);
    expect(await registryRemoveCommand(target(), TAX, out)).toBe(1);

    // It joins again (its next deployment would): exchanges work once more.
    const agency = eco.agencies[TAX];
    await joinCentral(await signedJoinRequest(agency.registration, agency.providerUrl, agency.deps.keys, eco.clock.now()), {
      centralUrl: eco.centralUrl,
      region: info.region,
      credentials: info.agencies[TAX].credential,
    });
    await new Promise((resolve) => setTimeout(resolve, info.rotation.publishWaitSeconds * 1000));
    expect((await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } })).status).toBe(200);
  }, 60_000);
});
