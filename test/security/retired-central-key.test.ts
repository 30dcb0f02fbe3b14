/**
 * Security finding 2 (HIGH): a retired central key could still sign configurations gateways accept.
 *
 * After a genuine central key rotation (A → B), an attacker holding the retired key A signs a hand-over from A to a
 * key of its own, dated before the genuine one (a record's date is whatever its signer writes), and with that key a
 * higher-version configuration that sends population-registry's traffic to the attacker. It is delivered where
 * gateways fetch from (written into the configuration bucket as the current document; a TLS-intercepting proxy works
 * alike). Gateways hold the chain they verified (A → B) and take only forward steps from its head, so they refuse
 * it, keep serving the genuine configuration and take the genuine central's next version; `sild log verify` and
 * `sild evidence verify` refuse a configuration signed via the fork too.
 *
 * The central publishes only when the test reads its `/globalconf` (no timer), so the forged document stays current
 * in the bucket until the test lets the genuine central publish again.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { exportEvidenceCommand, verifyEvidenceCommand, verifyLogCommand, type Output } from '../../cli/commands';
import { localTargetOf, readAnchor } from '../../cli/log-target';
import { rotateCentralKeyCommand } from '../../cli/trust';
import { localTrustTarget } from '../../cli/trust-target';
import { KmsSigner } from '../../lambdas/adapters/kms-signer';
import { cacheControlOf, configurationVersionKey, CURRENT_CONFIGURATION_KEY } from '../../lambdas/adapters/s3-configuration-distribution';
import { signCentralKeyRotation } from '../../lambdas/core/trust/central-keys';
import type { EvidenceBundle } from '../../lambdas/core/log/evidence';
import {
  signGlobalConfiguration,
  type GlobalConfiguration,
  type GlobalConfigurationDocument,
  type SignedGlobalConfiguration,
} from '../../lambdas/core/trust/global-configuration';
import { keyIdOf } from '../../lambdas/core/kernel/signatures';
import { httpCall } from '../../lib/local/http-call';
import { configurationBucketName } from '../../lib/local/names';
import { localRuntimeInfo, type LocalRuntimeInfo } from '../../lib/local/runtime-info';
import { newTestKey } from '../support/memory-adapters';
import { PERSONS, startTestEcosystem, TAX_CLIENT, testConfig, type TestEcosystem } from '../e2e/fixture';

const TAX = 'tax-board';
/** Past the CDN's `max-age` for `current.json` (10 s) and every gateway's refresh interval (1 s). */
const CDN_AND_REFRESH_MS = 11_000;

let eco: TestEcosystem;
let info: LocalRuntimeInfo;
let dir: string;
let anchorFile: string;
let attackerProvider: Server;
let attackerHits = 0;
const events: string[] = [];
const lines: string[] = [];
const out: Output = { line: (text) => lines.push(text), progress: (text) => lines.push(text) };

/** The genuine central publishes: it does when `/globalconf` is read and its newest configuration is older than 1 s. */
const letCentralPublish = () => httpCall(`${eco.centralUrl}/globalconf`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const callPersons = () => eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } });
const heldByTaxBoard = () => eco.agencies[TAX].deps.globalConfiguration.current();
const signerOf = (configuration: GlobalConfiguration) =>
  JSON.parse(Buffer.from(configuration.signed.header, 'base64').toString('utf8')).keyId as string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sild-retired-key-'));
  anchorFile = join(dir, 'anchor.json');
  attackerProvider = createServer((_request, response) => {
    attackerHits += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"forged by the holder of a retired central key"}');
  });
  await new Promise<void>((resolve) => attackerProvider.listen(0, '127.0.0.1', resolve));
  eco = await startTestEcosystem({
    config: testConfig((raw) => Object.assign((raw as unknown as { central: Record<string, unknown> }).central, { globalConfGenerationSeconds: 1 })),
    gatewayOverrides: { globalConfRefreshSeconds: 1, keyRingRefreshSeconds: 1, providerTimeoutMs: 3000 },
    centralOverrides: { keyRingRefreshSeconds: 1 },
    publishOnTimer: false,
    events: (event, fields) => events.push(`${event} ${String(fields.reason ?? '')}`),
  });
  info = localRuntimeInfo(eco);
}, 60_000);

afterAll(async () => {
  await eco?.stop();
  await new Promise((resolve) => attackerProvider?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('a retired central key can still sign configurations gateways accept (finding 2)', () => {
  let genuine: GlobalConfiguration;
  let genuineAnswer: string;
  /** An exchange under the genuine configuration after the rotation. */
  let xRoadId: string;
  let forged: SignedGlobalConfiguration;
  let forgedVersion: number;

  test('setup: the central key rotates for real; gateways follow it', async () => {
    const rotated = rotateCentralKeyCommand(
      localTrustTarget(info, anchorFile),
      {
        wait: true,
        now: () => eco.clock.now(),
        // While the command waits for the hand-over, the central publishes (its schedule, driven by the test).
        sleep: async (ms) => {
          await sleep(ms);
          await letCentralPublish();
        },
      },
      out,
    );
    expect(await rotated).toBe(0);
    await sleep(1100);
    await letCentralPublish();
    eco.clock.advance(CDN_AND_REFRESH_MS);
    const answer = await callPersons();
    expect(answer.status).toBe(200);
    genuineAnswer = answer.body.toString('utf8');
    xRoadId = String(answer.headers['x-road-id']);
    genuine = await heldByTaxBoard();
    expect(genuine.document.centralKeyRotations).toHaveLength(1);
    expect(signerOf(genuine)).toBe(genuine.document.centralKeyRotations[0].to.keyId);
    expect(readAnchor(anchorFile).rotations).toEqual(genuine.document.centralKeyRotations);
  }, 90_000);

  test('a configuration signed via a backdated fork by the retired key, written into the bucket as current: tax-board refuses it, keeps serving the genuine one, and still takes the genuine central’s next version', async () => {
    // The attacker: the retired key A (kept in KMS for evidence), a key of its own, and a fork dated before A → B.
    const retired = new KmsSigner(eco.clients.kms, info.centralKeyId);
    const [handOver] = genuine.document.centralKeyRotations;
    expect(keyIdOf(await retired.publicKey())).toBe(handOver.from.keyId);
    const attackerKey = newTestKey();
    const fork = await signCentralKeyRotation(genuine.instance, retired, attackerKey, Date.parse(handOver.at) - 3_600_000);
    eco.clock.advance(CDN_AND_REFRESH_MS);
    const now = eco.clock.now();
    forgedVersion = genuine.version + 1000;
    const population = genuine.gatewayOfService(PERSONS.slice('/r1/'.length))!.id;
    const document: GlobalConfigurationDocument = {
      ...genuine.document,
      version: forgedVersion,
      generatedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 3_600_000).toISOString(),
      centralKeyRotations: [fork], // a verifier holding only the first key could not tell it from a genuine hand-over
      // Population's traffic goes to the attacker, who may sign as population's gateway too.
      gateways: genuine.document.gateways.map((gateway) =>
        gateway.id === population
          ? {
              ...gateway,
              providerUrl: `http://127.0.0.1:${(attackerProvider.address() as { port: number }).port}`,
              keys: [...gateway.keys, { keyId: keyIdOf(attackerKey.spki), publicKey: attackerKey.spkiBase64 }],
            }
          : gateway,
      ),
    };
    forged = await signGlobalConfiguration(document, attackerKey);
    for (const key of [configurationVersionKey(forgedVersion), CURRENT_CONFIGURATION_KEY]) {
      await eco.clients.s3.send(
        new PutObjectCommand({
          Bucket: configurationBucketName,
          Key: key,
          Body: JSON.stringify(forged),
          ContentType: 'application/json',
          CacheControl: cacheControlOf(key),
        }),
      );
    }
    expect(JSON.parse((await httpCall(`${eco.cdn.url}/${CURRENT_CONFIGURATION_KEY}`)).body.toString('utf8'))).toEqual(forged);

    const answer = await callPersons();
    expect(attackerHits).toBe(0);
    expect({ status: answer.status, body: answer.body.toString('utf8') }).toEqual({ status: 200, body: genuineAnswer });
    const held = await heldByTaxBoard();
    expect(held.version).toBeLessThan(forgedVersion);
    expect(signerOf(held)).toBe(handOver.to.keyId);
    expect(events.join('\n')).toMatch(/globalconf-refresh-failed .*fork/);

    // The genuine central publishes its next version (far below the forged one): gateways take it.
    eco.clock.advance(2000);
    await letCentralPublish();
    eco.clock.advance(CDN_AND_REFRESH_MS);
    expect((await callPersons()).status).toBe(200);
    const next = await heldByTaxBoard();
    expect(next.version).toBeGreaterThan(genuine.version);
    expect(next.version).toBeLessThan(forgedVersion);
    expect(attackerHits).toBe(0);
  }, 60_000);

  test('sild evidence verify refuses a bundle whose configuration is signed via the fork, with the anchor file', async () => {
    eco.clock.advance(95_000); // past the seal window and its grace
    for (const agency of Object.values(eco.agencies)) await agency.seal();
    const genuineFile = join(dir, 'genuine.json');
    const target = localTargetOf(info, TAX, readAnchor(anchorFile));
    expect(await exportEvidenceCommand(target, xRoadId, { client: TAX_CLIENT, out: genuineFile }, out, eco.clock.now())).toBe(0);
    expect(verifyEvidenceCommand(genuineFile, readAnchor(anchorFile), out)).toBe(0);

    const bundle = JSON.parse(readFileSync(genuineFile, 'utf8')) as EvidenceBundle;
    const forgedFile = join(dir, 'forged.json');
    writeFileSync(
      forgedFile,
      JSON.stringify({ ...bundle, globalConfiguration: forged, centralKeyRotations: JSON.parse(forged.document).centralKeyRotations }),
    );
    lines.length = 0;
    expect(verifyEvidenceCommand(forgedFile, readAnchor(anchorFile), out)).toBe(1);
    expect(lines.join('\n')).toMatch(/✗ global configuration: signed by the anchor key — .*fork/);
  }, 60_000);

  test('sild log verify refuses a current configuration signed via the fork, and ignores one kept in the archive', async () => {
    const target = localTargetOf(info, TAX, readAnchor(anchorFile));
    // Served as current (by an intercepting proxy): no audit against its keys.
    await expect(verifyLogCommand({ ...target, globalConfiguration: async () => forged }, out, eco.clock.now())).rejects.toThrow(/fork/);
    // Kept in the gateway's archive (as a gateway without the fix kept it): left out, and said so.
    await target.archive.keep({ version: forgedVersion, signed: forged, keySetId: 'forged' });
    lines.length = 0;
    expect(await verifyLogCommand(target, out, eco.clock.now())).toBe(0);
    expect(lines.join('\n')).toMatch(/a kept configuration does not verify and is ignored: .*fork/);
  }, 60_000);
});
