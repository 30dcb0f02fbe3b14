/**
 * `npm start`: runs the local ecosystem from the ecosystem config, writes `.sild/endpoints.json`, shows one real
 * exchange, and serves until Ctrl-C.
 *
 *   npm start                      the demo config (config/ecosystem.json), state kept in .sild/
 *   npm start -- --fresh           forget the previous state (keys, registry, message logs) first
 *   npm start -- --config FILE     another ecosystem config
 *   SILD_STATE_DIR=DIR npm start   keep state elsewhere
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { ConfigError, DEFAULT_CONFIG_PATH, loadEcosystemConfig } from '../lib/config/ecosystem-config';
import { randomUUID } from 'node:crypto';
import { curlExample, printEndpoints, reportStartFailure, runDemoExchange, serveUntilInterrupted } from '../lib/local/demo';
import { runSoapDemoExchange, soapCurlExample } from '../lib/local/soap-demo';
import { validateServiceDescriptions } from '../lib/config/service-descriptions';
import { writeRuntimeFiles } from '../lib/local/runtime-info';
import { startLocalEcosystem } from '../lib/local/ecosystem';
import { silenceSdkNodeVersionWarning } from '../lib/local/sdk-warnings';

silenceSdkNodeVersionWarning();

/** True when a server accepts connections on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once('error', () => resolvePort(false));
  });
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const configPath = option('--config') ?? DEFAULT_CONFIG_PATH;
  const stateDir = resolve(process.env.SILD_STATE_DIR ?? '.sild');
  const config = loadEcosystemConfig(configPath);
  await validateServiceDescriptions(config);
  // A second `npm start` would fail deep inside dynalite (its state is locked by the first): say it plainly.
  if (await listening(config.local.basePort)) {
    throw new ConfigError(
      `Something already listens on port ${config.local.basePort}: is another \`npm start\` running? Stop it first, or set local.basePort in the config.`,
    );
  }
  if (process.argv.includes('--fresh')) rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });

  const ecosystem = await startLocalEcosystem({ config, stateDir: join(stateDir, 'state') });
  const endpointsFile = join(stateDir, 'endpoints.json');
  writeFileSync(endpointsFile, `${JSON.stringify(ecosystem.endpoints(), null, 2)}\n`);
  // What the `sild` CLI needs to read the logs of this running ecosystem.
  await writeRuntimeFiles(ecosystem, stateDir);
  const print = (line: string) => console.log(line);
  printEndpoints(ecosystem, print);
  print(`  endpoints written to ${endpointsFile}`);
  const curl = curlExample(ecosystem);
  if (curl) {
    print('');
    print('Try it:');
    print(`  ${curl}`);
  }
  const soapCurl = soapCurlExample(ecosystem);
  if (soapCurl) {
    print('');
    print('Try SOAP (X-Road message protocol 4.0) — paste it whole:');
    print(soapCurl.replace(/^/gm, '  '));
  }
  const ok = await runDemoExchange(ecosystem, print);
  // State outlives the process: each run's SOAP request needs an id its client has not used yet.
  const soapOk = await runSoapDemoExchange(ecosystem, print, `soap-demo-${randomUUID()}`);
  print('');
  print(ok && soapOk ? 'Demo exchange verified end to end.' : 'Demo exchange FAILED a check (see above).');
  print(`Serving until Ctrl-C. State lives in ${stateDir} (npm start -- --fresh, or npm run clean, starts over).`);

  serveUntilInterrupted(() => ecosystem.stop(), print);
}

main().catch(reportStartFailure);
