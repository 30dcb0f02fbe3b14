/**
 * The demo `npm start` shows once the ecosystem is up: one real exchange through a consumer gateway, then the log
 * records both gateways wrote, each checked against the signed global configuration.
 *
 * The exchange is derived from the config, so any valid ecosystem gets one: the first access right on a REST service
 * granted to a subsystem of a configured agency is called (with the sample backend's person 123 when the service is the sample
 * backend); without such a right, the first agency asks another for `listMethods`, which every gateway answers itself.
 */
import { GlobalConfigurationCache } from '../../lambdas/core/trust/global-configuration-cache';
import { HttpGlobalConfigurationFetcher } from '../../lambdas/adapters/http-global-configuration-fetcher';
import { NodeHttpClient } from '../../lambdas/adapters/node-http-client';
import { requestHash, signedHeaderNames } from '../../lambdas/core/kernel/hashing';
import { singleHeaders } from '../../lambdas/core/kernel/http';
import { checkLogRecord } from '../../lambdas/core/log/verification';
import { fingerprintOf } from '../../lambdas/core/kernel/signatures';
import { systemClock } from '../../lambdas/core/kernel/ports';
import { ConfigError, type EcosystemConfig } from '../config/ecosystem-config';
import type { LocalEcosystem } from './ecosystem';
import { httpCall, type CallResult } from './http-call';

/** One exchange to show: which agency's consumer gateway, as which client, to which provider, on which path. */
export interface DemoExchange {
  readonly consumer: string;
  readonly provider: string;
  readonly client: string;
  /** The X-Road REST path (`/r1/…`). */
  readonly path: string;
}

/** The demo exchange for a config, or undefined when it has fewer than two agencies with subsystems. */
export function demoExchangeOf(config: EcosystemConfig): DemoExchange | undefined {
  const memberOf = (agency: EcosystemConfig['agencies'][number]) => `${config.instance}/${agency.member.class}/${agency.member.code}`;
  const ownerOf = (subject: string) =>
    config.agencies.find((agency) => agency.subsystems.some((subsystem) => subject === `${memberOf(agency)}/${subsystem}`));
  for (const provider of config.agencies) {
    for (const right of provider.accessRights) {
      const consumer = ownerOf(right.subject);
      const service = provider.services.find((entry) => `${entry.subsystem}/${entry.code}` === right.service);
      // The demo exchange speaks REST: a right on a SOAP service is not one it can show.
      if (!consumer || !service || service.type === 'soap') continue;
      const sample = new URL(service.backendUrl).port === String(config.local.sampleBackendPort);
      const path = `/r1/${memberOf(provider)}/${right.service}${sample ? '/123' : ''}`;
      return { consumer: consumer.name, provider: provider.name, client: right.subject, path };
    }
  }
  const withSubsystems = config.agencies.filter((agency) => agency.subsystems.length > 0);
  if (withSubsystems.length < 2) return undefined;
  const [consumer, provider] = withSubsystems;
  return {
    consumer: consumer.name,
    provider: provider.name,
    client: `${memberOf(consumer)}/${consumer.subsystems[0]}`,
    path: `/r1/${memberOf(provider)}/${provider.subsystems[0]}/listMethods`,
  };
}

export type Print = (line: string) => void;

export function curlExample(ecosystem: LocalEcosystem): string | undefined {
  const demo = demoExchangeOf(ecosystem.config);
  if (!demo) return undefined;
  return `curl -i -H 'X-Road-Client: ${demo.client}' ${ecosystem.agencies[demo.consumer].consumerUrl}${demo.path}`;
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
/** An exchange's answer as the demo shows it: status, the X-Road headers, the body. */
export function printAnswer(response: CallResult, print: Print): void {
  print(`  ← ${response.status} ${response.headers['content-type']}`);
  for (const name of ['x-road-client', 'x-road-service', 'x-road-id', 'x-road-request-id', 'x-road-request-hash', 'x-road-error']) {
    if (response.headers[name] !== undefined) print(`    ${name}: ${response.headers[name]}`);
  }
  print(`    ${response.body.toString('utf8')}`);
}

export async function runDemoExchange(ecosystem: LocalEcosystem, print: Print): Promise<boolean> {
  const demo = demoExchangeOf(ecosystem.config);
  if (!demo) {
    print('(demo skipped: the config has fewer than two agencies with subsystems)');
    return true;
  }
  const consumer = ecosystem.agencies[demo.consumer];
  print('');
  print(`Demo exchange: ${demo.consumer} calls ${demo.provider}`);
  print(`  → GET ${demo.path}`);
  print(`    X-Road-Client: ${demo.client}`);
  const sent: Record<string, string> = { 'x-road-client': demo.client, 'x-road-userid': 'EE38001010000', accept: 'application/json' };
  const response = await httpCall(`${consumer.consumerUrl}${demo.path}`, { headers: sent });
  printAnswer(response, print);
  const xRoadId = response.headers['x-road-id'];
  if (response.status !== 200 || !xRoadId) return false;

  // What the client can check itself: the request hash over what it sent, with the X-Road-Id it was given.
  const hashed = singleHeaders({ ...sent, 'x-road-id': xRoadId });
  const recomputed = requestHash('GET', demo.path, hashed, signedHeaderNames(hashed), Buffer.alloc(0));
  const hashOk = recomputed === response.headers['x-road-request-hash'];
  print(`  request hash recomputed by the client: ${hashOk ? 'matches ✓' : 'differs ✗'}`);

  return (await printLogRecords(ecosystem, [demo.consumer, demo.provider], demo.client, xRoadId, print)) && hashOk;
}

/**
 * Prints the log records the agencies' gateways wrote for one exchange, each checked against the global configuration
 * (its signature verified with the anchor); returns true when every record's signature and body hold.
 */
export async function printLogRecords(
  ecosystem: LocalEcosystem,
  agencies: readonly string[],
  client: string,
  xRoadId: string,
  print: Print,
): Promise<boolean> {
  const configuration = await new GlobalConfigurationCache({
    anchor: { instance: ecosystem.config.instance, publicKey: ecosystem.anchorPublicKey },
    fetcher: new HttpGlobalConfigurationFetcher(new NodeHttpClient(), ecosystem.centralUrl),
    clock: systemClock,
    refreshMs: 60_000,
  }).current();
  print(`  global configuration: signature verified with the anchor, expires ${configuration.document.expiresAt}`);

  let allValid = true;
  for (const name of agencies) {
    const records = await ecosystem.agencies[name].deps.log.find(client, xRoadId);
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

/** Serves until Ctrl-C (or SIGTERM), then stops what runs — once — and exits. */
export function serveUntilInterrupted(stop: () => Promise<void>, print: Print): void {
  let stopping = false;
  const onSignal = async () => {
    if (stopping) return;
    stopping = true;
    print('\nStopping…');
    await stop();
    print('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** How the local launchers report a failure to start: a config or port problem in a sentence, anything else as is. */
export function reportStartFailure(error: unknown): never {
  if (error instanceof ConfigError) console.error(error.message);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    const { port } = error as NodeJS.ErrnoException & { port?: number };
    console.error(`Port ${port ?? ''} is in use: set local.basePort and local.sampleBackendPort in the config to free ports.`);
  } else console.error(error);
  process.exit(1);
}
