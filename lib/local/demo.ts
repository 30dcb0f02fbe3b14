/**
 * The demo `npm start` shows once the ecosystem is up: one real exchange through the tax-board gateway, then the
 * log records both gateways wrote, each checked against the signed global configuration.
 */
import { GlobalConfigurationCache } from '../../lambdas/core/global-configuration-cache';
import { HttpGlobalConfigurationFetcher } from '../../lambdas/adapters/http-global-configuration-fetcher';
import { NodeHttpClient } from '../../lambdas/adapters/node-http-client';
import { requestHash, signedHeaderNames } from '../../lambdas/core/hashing';
import { singleHeaders } from '../../lambdas/core/http';
import { checkLogRecord } from '../../lambdas/core/log-verification';
import { fingerprintOf } from '../../lambdas/core/signatures';
import { systemClock } from '../../lambdas/core/ports';
import type { LocalEcosystem } from './ecosystem';
import { httpCall } from './http-call';

export const DEMO_CLIENT = 'DEV/GOV/70000002/tax-records';
export const DEMO_PATH = '/r1/DEV/GOV/70000001/population/persons/123';

type Print = (line: string) => void;

export function curlExample(ecosystem: LocalEcosystem): string {
  return `curl -i -H 'X-Road-Client: ${DEMO_CLIENT}' ${ecosystem.agencies['tax-board'].consumerUrl}${DEMO_PATH}`;
}

export function printEndpoints(ecosystem: LocalEcosystem, print: Print): void {
  const endpoints = ecosystem.endpoints();
  print(`Sild local ecosystem — instance ${ecosystem.config.instance}`);
  print(`  central API                      ${endpoints.central}`);
  for (const [name, urls] of Object.entries(endpoints.agencies)) {
    print(`  ${name.padEnd(20)} consumer  ${urls.consumer}   provider ${urls.provider}`);
  }
  if (ecosystem.backend) print(`  sample backend                   ${ecosystem.backend.url}/persons`);
  print(`  anchor (central key) fingerprint ${fingerprintOf(Buffer.from(ecosystem.anchorPublicKey, 'base64'))}`);
}

/** Runs the demo exchange and prints it; returns true when every check held. */
export async function runDemoExchange(ecosystem: LocalEcosystem, print: Print): Promise<boolean> {
  const consumer = ecosystem.agencies['tax-board'];
  if (!consumer || !ecosystem.agencies['population-registry']) {
    print('(demo skipped: the config has no tax-board and population-registry agencies)');
    return true;
  }
  print('');
  print('Demo exchange: tax-board asks population-registry for person 123');
  print(`  → GET ${DEMO_PATH}`);
  print(`    X-Road-Client: ${DEMO_CLIENT}`);
  const sent: Record<string, string> = { 'x-road-client': DEMO_CLIENT, 'x-road-userid': 'EE38001010000', accept: 'application/json' };
  const response = await httpCall(`${consumer.consumerUrl}${DEMO_PATH}`, { headers: sent });
  print(`  ← ${response.status} ${response.headers['content-type']}`);
  for (const name of ['x-road-client', 'x-road-service', 'x-road-id', 'x-road-request-id', 'x-road-request-hash', 'x-road-error']) {
    if (response.headers[name] !== undefined) print(`    ${name}: ${response.headers[name]}`);
  }
  print(`    ${response.body.toString('utf8')}`);
  const xRoadId = response.headers['x-road-id'];
  if (response.status !== 200 || !xRoadId) return false;

  // What the client can check itself: the request hash over what it sent, with the X-Road-Id it was given.
  const hashed = singleHeaders({ ...sent, 'x-road-id': xRoadId });
  const recomputed = requestHash('GET', DEMO_PATH, hashed, signedHeaderNames(hashed), Buffer.alloc(0));
  const hashOk = recomputed === response.headers['x-road-request-hash'];
  print(`  request hash recomputed by the client: ${hashOk ? 'matches ✓' : 'differs ✗'}`);

  const configuration = await new GlobalConfigurationCache({
    anchor: { instance: ecosystem.config.instance, publicKey: ecosystem.anchorPublicKey },
    fetcher: new HttpGlobalConfigurationFetcher(new NodeHttpClient(), ecosystem.centralUrl),
    clock: systemClock,
    refreshMs: 60_000,
  }).current();
  print(`  global configuration: signature verified with the anchor, expires ${configuration.document.expiresAt}`);

  let allValid = hashOk;
  for (const name of ['tax-board', 'population-registry']) {
    const records = await ecosystem.agencies[name].deps.log.find(DEMO_CLIENT, xRoadId);
    print(`  message log of ${name}:`);
    for (const record of records.sort((a, b) => a.loggedAt.localeCompare(b.loggedAt))) {
      const check = checkLogRecord(record, configuration);
      allValid &&= check.signatureValid && check.bodyMatches;
      const status = record.status === undefined ? '' : ` ${record.status}`;
      print(
        `    ${record.side} ${record.direction.padEnd(8)}${status.padEnd(4)} ${record.loggedAt}  body ${record.bodyBytes} B (${record.bodyLogged})  ` +
          `signed by ${check.signer ?? '-'}: ${check.signatureValid ? 'signature valid ✓' : `✗ ${check.problem}`}`,
      );
    }
  }
  return allValid;
}
