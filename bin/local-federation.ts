/**
 * `npm run start:federation`: two federated instances side by side — the demo instance DEV
 * (`config/federation/dev.json`) and FI (`config/federation/fi.json`, agency fi-tax-office, client
 * FI/GOV/1234567-8/tax) — each with its own central, emulators and gateways. Writes `.sild/endpoints.json` (the
 * agencies of both instances, plus `centrals`), shows one cross-border exchange, and serves until Ctrl-C.
 *
 *   npm run start:federation                 state kept in .sild/federation/
 *   npm run start:federation -- --fresh      forget the previous state first
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { printAnswer, printEndpoints, reportStartFailure, runDemoExchange, serveUntilInterrupted } from '../lib/local/demo';
import { startLocalFederation } from '../lib/local/federation';
import { httpCall } from '../lib/local/http-call';
import { writeRuntimeFiles } from '../lib/local/runtime-info';
import { silenceSdkNodeVersionWarning } from '../lib/local/sdk-warnings';

silenceSdkNodeVersionWarning();

const CONFIG_DIR = 'config/federation';
const FI_CLIENT = 'FI/GOV/1234567-8/tax';
const CROSS_BORDER_PATH = '/r1/DEV/GOV/70000001/population/persons/123';

async function main(): Promise<void> {
  const stateDir = resolve(process.env.SILD_STATE_DIR ?? '.sild');
  if (process.argv.includes('--fresh')) rmSync(join(stateDir, 'federation'), { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  const members = ['dev', 'fi'].map((name) => ({
    config: JSON.parse(readFileSync(join(CONFIG_DIR, `${name}.json`), 'utf8')) as Record<string, unknown>,
    baseDir: CONFIG_DIR,
  }));
  const federation = await startLocalFederation(members, { stateDir: join(stateDir, 'federation') });
  const { DEV: dev, FI: fi } = federation.instances;

  // The usual shape (agencies of both instances under their names), plus each instance's central.
  const endpoints = {
    ...dev.endpoints(),
    agencies: { ...dev.endpoints().agencies, ...fi.endpoints().agencies },
    centrals: { DEV: dev.centralUrl, FI: fi.centralUrl },
  };
  const endpointsFile = join(stateDir, 'endpoints.json');
  writeFileSync(endpointsFile, `${JSON.stringify(endpoints, null, 2)}\n`);
  // The `sild` commands work on each instance with SILD_STATE_DIR=.sild/federation/<INSTANCE>.
  for (const ecosystem of [dev, fi]) await writeRuntimeFiles(ecosystem, join(stateDir, 'federation', ecosystem.config.instance));
  const print = (line: string) => console.log(line);
  printEndpoints(dev, print);
  printEndpoints(fi, print);
  print(`  endpoints written to ${endpointsFile}; sild commands: SILD_STATE_DIR=${join(stateDir, 'federation', 'DEV')} (or …/FI) npx sild …`);

  const consumerUrl = fi.agencies['fi-tax-office'].consumerUrl;
  print('');
  print('Try it (FI client → DEV service, across the federation):');
  print(`  curl -i -H 'X-Road-Client: ${FI_CLIENT}' ${consumerUrl}${CROSS_BORDER_PATH}`);
  print('');
  print(`Cross-border exchange: fi-tax-office (FI) calls population-registry (DEV)`);
  print(`  → GET ${CROSS_BORDER_PATH}`);
  print(`    X-Road-Client: ${FI_CLIENT}`);
  const response = await httpCall(`${consumerUrl}${CROSS_BORDER_PATH}`, { headers: { 'x-road-client': FI_CLIENT, accept: 'application/json' } });
  printAnswer(response, print);
  const crossBorderOk = response.status === 200 && response.headers['x-road-service'] === 'DEV/GOV/70000001/population/persons';
  const localOk = await runDemoExchange(dev, print);
  print('');
  print(crossBorderOk && localOk ? 'Federation demo verified end to end.' : 'Federation demo FAILED a check (see above).');
  print(`Serving until Ctrl-C. State lives in ${join(stateDir, 'federation')} (--fresh starts over).`);

  serveUntilInterrupted(() => federation.stop(), print);
}

main().catch(reportStartFailure);
