/**
 * The exchange benchmark: the same requests sent (a) to the backend directly and (b) through the tax-board consumer
 * gateway and the population-registry provider gateway, side by side per point, for each backend profile, body
 * size and concurrency.
 *
 * Four processes, so each figure is measured where it belongs:
 * - this one (`bench/run.ts`): the load generator (autocannon) only;
 * - `bench/emulators.ts`: dynalite and the KMS endpoint (their CPU is reported apart and is not the gateways');
 * - `bench/backend-process.ts`: the backend;
 * - `bench/gateway-process.ts`: the central API and the gateways behind their local API fronts. Its CPU time over
 *   a measured run, divided by the messages its consumer front received in that run, is the gateways' CPU per
 *   message (both sides, with the fronts' HTTP work, which API Gateway would do in AWS — so an upper bound).
 * The machine has 2 cores shared by all four, so the layer's throughput is bounded by one core for the gateway
 * process and by what the emulators and the load generator leave over.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseEcosystemConfig } from '../lib/config/ecosystem-config';
import type { EmulatorEndpoints } from '../lib/local/emulators';
import { diffCounts, perMessage, summarize, type CallSummary } from './aws-call-counter';
import { jsonDocument, LARGE_BODY_BYTES, type BackendProfile } from './backend';
import { forkIpcChild, spawnJsonLineChild, stopChild, type IpcChild, type StderrSummary } from './child';
import type { Calibration, GatewayEndpoints, GatewaySnapshot, GatewayStartRequest } from './gateway-process';
import { runLoad, type LoadRequest, type LoadResult } from './load';
import { REPO_ROOT } from './paths';

export const CONSUMER_AGENCY = 'tax-board';
export const PROVIDER_AGENCY = 'population-registry';
export const CLIENT_ID = 'DEV/GOV/70000002/tax-records';
export const SERVICE_PATH = '/r1/DEV/GOV/70000001/population/persons';

export type BodyKind = 'small' | '64k';

export interface ScenarioOptions {
  readonly profiles: readonly BackendProfile[];
  readonly bodies: readonly BodyKind[];
  readonly concurrencies: readonly number[];
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Measured rounds per point, direct and layer interleaved; figures are medians with [min, median, max]. */
  readonly rounds: number;
  /** Write a V8 CPU profile of the gateway process into this folder (`--cpu-prof`). @default none */
  readonly gatewayCpuProfileDir?: string;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

/** What the gateway process did during one measured run through the layer. */
export interface GatewayFigures {
  /** Requests the consumer front received during the run. */
  readonly messages: number;
  readonly cpuMsPerMessage: number;
  /** The gateways' AWS calls per message. */
  readonly calls: CallSummary;
  /** The central's AWS calls during the run (total, not per message: they do not scale with traffic). */
  readonly centralCalls: CallSummary;
  /** Mean wall time of one consumer-front and one provider-front request (≈ each Lambda's billed duration). */
  readonly consumerMs: number;
  readonly providerMs: number;
  /** The emulators' CPU per message (dynalite + KMS endpoint; not a cost on AWS). */
  readonly emulatorCpuMsPerMessage: number;
}

export interface ScenarioResult {
  readonly profile: BackendProfile['name'];
  readonly serviceMs: number;
  readonly body: BodyKind;
  readonly concurrency: number;
  readonly direct: LoadResult;
  readonly layer: LoadResult;
  /** Throughput through the layer ÷ throughput direct. */
  readonly throughputRatio: number;
  readonly p50OverheadMs: number;
  readonly p99OverheadMs: number;
  readonly gateway: GatewayFigures;
  /** Rounds measured; the figures above are their medians (direct/layer: the median round's). */
  readonly rounds: number;
  /** [min, median, max] over the rounds. */
  readonly spread: { readonly throughputRatio: Spread; readonly p50OverheadMs: Spread; readonly cpuMsPerMessage: Spread };
}

export type Spread = readonly [min: number, median: number, max: number];

/** [min, median, max] of the values (the median of an even count: the lower middle one). */
export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return [sorted[0], sorted[Math.floor((sorted.length - 1) / 2)], sorted[sorted.length - 1]];
}

interface Requests {
  readonly direct: LoadRequest;
  readonly layer: LoadRequest;
}

function requestsFor(body: BodyKind, backendUrl: string, consumerUrl: string): Requests {
  const layerHeaders = { 'x-road-client': CLIENT_ID };
  if (body === 'small') {
    return {
      direct: { url: `${backendUrl}/persons/123`, method: 'GET' },
      layer: { url: `${consumerUrl}${SERVICE_PATH}/123`, method: 'GET', headers: layerHeaders },
    };
  }
  const payload = jsonDocument(LARGE_BODY_BYTES, 'new');
  const json = { 'content-type': 'application/json' };
  return {
    direct: { url: `${backendUrl}/persons`, method: 'POST', headers: json, body: payload },
    layer: { url: `${consumerUrl}${SERVICE_PATH}`, method: 'POST', headers: { ...json, ...layerHeaders }, body: payload },
  };
}

/** The demo ecosystem with the population registry's `persons` service pointed at the benchmark backend. */
export function benchmarkConfig(backendUrl: string): unknown {
  const raw = JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'ecosystem.json'), 'utf8')) as {
    agencies: { name: string; services?: { code: string; backendUrl: string }[] }[];
  };
  const provider = raw.agencies.find((agency) => agency.name === PROVIDER_AGENCY);
  const service = provider?.services?.find((entry) => entry.code === 'persons');
  if (!service) throw new Error(`config/ecosystem.json has no ${PROVIDER_AGENCY} persons service`);
  service.backendUrl = `${backendUrl}/persons`;
  parseEcosystemConfig(raw, 'benchmark config', join(REPO_ROOT, 'config'));
  return raw;
}

/** One exchange through the layer, to fail early and clearly when the set-up is wrong. */
async function checkExchange(requests: Requests, expectStatus: number): Promise<void> {
  const { url, method, headers, body } = requests.layer;
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  if (response.status !== expectStatus || !response.headers.get('x-road-id')) {
    throw new Error(`A ${method} through the layer answered ${response.status} (expected ${expectStatus} with X-Road-Id): ${text.slice(0, 300)}`);
  }
}

const usage = (cpu: { user: number; system: number }) => cpu.user + cpu.system;

/**
 * Waits until the gateway process is idle — no AWS call and under 2 ms of CPU in 100 ms — so that exchanges still
 * in flight from a previous run (a client that stops does not stop the gateways) are not counted in the next one.
 */
async function waitQuiet(gateway: IpcChild, maxMs = 10_000): Promise<GatewaySnapshot> {
  const deadline = Date.now() + maxMs;
  let previous = await gateway.request<GatewaySnapshot>('snapshot');
  for (;;) {
    await sleep(100);
    const current = await gateway.request<GatewaySnapshot>('snapshot');
    const quiet = usage(current.cpu) - usage(previous.cpu) < 2 && JSON.stringify(current.calls) === JSON.stringify(previous.calls);
    if (quiet || Date.now() > deadline) return current;
    previous = current;
  }
}

export interface ExchangeResults {
  /** Unit costs measured right after start (cold: JIT not warm, caches empty). */
  readonly calibration: Calibration;
  /** The same, measured again after the scenarios in the warm process: the steady-state figures. */
  readonly calibrationWarm: Calibration;
  readonly scenarios: ScenarioResult[];
  /** What the gateway process wrote on stderr (its logs' warnings and errors). */
  readonly gatewayStderr: StderrSummary;
  /**
   * The whole run through the layer (set-up checks, warm-ups and measured runs): one-off costs such as a session
   * key's KMS certification are amortized here, and are invisible in a single measured run.
   */
  readonly overall: { readonly messages: number; readonly calls: CallSummary; readonly centralCalls: CallSummary };
}

export async function runExchangeScenarios(options: ScenarioOptions): Promise<ExchangeResults> {
  const { log } = options;
  let calibration: Calibration;
  const emulators = await spawnJsonLineChild<EmulatorEndpoints>('bench/emulators.ts');
  const emulatorCpuMs = async () => usage((await emulators.command<{ cpuMs: { user: number; system: number } }>({ cmd: 'usage' })).cpuMs);
  let backend: IpcChild | undefined;
  let gateway: IpcChild | undefined;
  try {
    backend = forkIpcChild('bench/backend-process.ts');
    const backendUrl = await backend.request<string>('start', options.profiles[0]);
    const profiling = options.gatewayCpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.gatewayCpuProfileDir}`] : [];
    gateway = forkIpcChild('bench/gateway-process.ts', { nodeFlags: profiling, captureStderr: true });
    // The emulators enforce the stacks' IAM, as the local runtime always does: each function calls as its own
    // principal, its credential derived from this secret in both processes.
    const config = benchmarkConfig(backendUrl);
    const iamSecret = randomBytes(24).toString('base64');
    const installed = await emulators.command<{ installed?: number; error?: string }>({ cmd: 'iam', config, secret: iamSecret });
    if (installed.error !== undefined) throw new Error(`The emulators could not install the local IAM: ${installed.error}`);
    const start: GatewayStartRequest = {
      config,
      iamSecret,
      emulators: emulators.endpoints,
      consumerAgency: CONSUMER_AGENCY,
      providerAgency: PROVIDER_AGENCY,
      calibrationUrl: `${backendUrl}/persons/123`,
    };
    const endpoints = await gateway.request<GatewayEndpoints>('start', start);
    calibration = endpoints.calibration;
    log(
      `  emulators ${emulators.endpoints.dynamodbUrl} ${emulators.endpoints.kmsUrl}; backend ${backendUrl}; consumer gateway ${endpoints.consumerUrl}`,
    );
    log(
      `  calibration, cold (gateway process just started, CPU per call): KMS Sign ${calibration.kmsSignCpuMs.toFixed(2)} ms, DynamoDB PutItem ${calibration.dynamoPutCpuMs.toFixed(2)} ms (without the SDK: ${calibration.bareDynamoPutCpuMs.toFixed(2)} ms), fetch ${calibration.fetchCpuMs.toFixed(2)} ms`,
    );
    await checkExchange(requestsFor('small', backendUrl, endpoints.consumerUrl), 200);
    await checkExchange(requestsFor('64k', backendUrl, endpoints.consumerUrl), 201);

    const results: ScenarioResult[] = [];
    for (const profile of options.profiles) {
      await backend.request('profile', profile);
      for (const body of options.bodies) {
        const requests = requestsFor(body, backendUrl, endpoints.consumerUrl);
        for (const connections of options.concurrencies) {
          const load = { connections, seconds: options.seconds, warmupSeconds: options.warmupSeconds };
          const measured: { direct: LoadResult; layer: LoadResult; figures: GatewayFigures }[] = [];
          for (let round = 0; round < Math.max(1, options.rounds); round += 1) {
            // The backend needs no warm-up (nothing to cache, and its connections are opened in the first milliseconds).
            const direct = await runLoad(requests.direct, { ...load, warmupSeconds: 0 });

            let before: { gateway: GatewaySnapshot; emulatorCpu: number } | undefined;
            const layer = await runLoad(requests.layer, {
              ...load,
              beforeMeasure: async () => {
                before = { gateway: await waitQuiet(gateway!), emulatorCpu: await emulatorCpuMs() };
              },
            });
            // Let in-flight exchanges finish before reading the counters.
            const after = await waitQuiet(gateway);
            measured.push({ direct, layer, figures: gatewayFigures(before!.gateway, after, (await emulatorCpuMs()) - before!.emulatorCpu) });
          }
          const ratios = spreadOf(measured.map((round) => round.layer.throughput / round.direct.throughput));
          const p50s = spreadOf(measured.map((round) => round.layer.p50Ms - round.direct.p50Ms));
          const cpus = spreadOf(measured.map((round) => round.figures.cpuMsPerMessage));
          // The round whose p50 overhead is the median stands for the point (its loads, calls and timings).
          const { direct, layer, figures } = measured.find((round) => round.layer.p50Ms - round.direct.p50Ms === p50s[1])!;
          const result: ScenarioResult = {
            profile: profile.name,
            serviceMs: profile.serviceMs,
            body,
            concurrency: connections,
            direct,
            layer,
            throughputRatio: ratios[1],
            p50OverheadMs: p50s[1],
            p99OverheadMs: spreadOf(measured.map((round) => round.layer.p99Ms - round.direct.p99Ms))[1],
            gateway: { ...figures, cpuMsPerMessage: cpus[1] },
            rounds: measured.length,
            spread: { throughputRatio: ratios, p50OverheadMs: p50s, cpuMsPerMessage: cpus },
          };
          results.push(result);
          log(
            `  ${profile.name.padEnd(9)} ${body.padEnd(5)} c${String(connections).padEnd(3)} direct ${direct.throughput.toFixed(0).padStart(6)}/s p50 ${direct.p50Ms.toFixed(2)} ms` +
              ` | layer ${layer.throughput.toFixed(0).padStart(5)}/s p50 ${layer.p50Ms.toFixed(2)} ms | ratio ${result.throughputRatio.toFixed(3)}` +
              ` | gw CPU ${cpus[1].toFixed(2)} ms/msg [${cpus[0].toFixed(2)}–${cpus[2].toFixed(2)}] (${measured.length} rounds)${layer.failed || direct.failed ? ` | FAILED direct ${direct.failed} layer ${layer.failed} ${JSON.stringify(layer.statuses)}` : ''}`,
          );
        }
      }
    }
    const last = await gateway.request<GatewaySnapshot>('snapshot');
    const messages = last.fronts.consumer?.started ?? 0;
    const overall = { messages, calls: perMessage(summarize(last.calls.gateway), messages), centralCalls: summarize(last.calls.central) };
    const calibrationWarm = await gateway.request<Calibration>('calibrate');
    log(
      `  calibration, warm (after the scenarios): KMS Sign ${calibrationWarm.kmsSignCpuMs.toFixed(2)} ms, DynamoDB PutItem ${calibrationWarm.dynamoPutCpuMs.toFixed(2)} ms (without the SDK: ${calibrationWarm.bareDynamoPutCpuMs.toFixed(2)} ms), fetch ${calibrationWarm.fetchCpuMs.toFixed(2)} ms`,
    );
    return { calibration, calibrationWarm, scenarios: results, gatewayStderr: gateway.stderr(), overall };
  } catch (error) {
    const tail = gateway?.stderr().tail ?? [];
    if (tail.length) log(`  gateway process stderr (last lines):\n    ${tail.join('\n    ')}`);
    throw error;
  } finally {
    if (gateway) {
      await gateway.request('stop').catch(() => undefined);
      await stopChild(gateway.process);
    }
    if (backend) await stopChild(backend.process);
    await stopChild(emulators.process);
  }
}

function gatewayFigures(before: GatewaySnapshot, after: GatewaySnapshot, emulatorCpuMs: number): GatewayFigures {
  const front = (name: string) => {
    const start = before.fronts[name] ?? { started: 0, requests: 0, totalMs: 0 };
    const end = after.fronts[name] ?? { started: 0, requests: 0, totalMs: 0 };
    const requests = end.requests - start.requests;
    return { started: end.started - start.started, meanMs: requests > 0 ? (end.totalMs - start.totalMs) / requests : Number.NaN };
  };
  const consumer = front('consumer');
  const provider = front('provider');
  const messages = consumer.started;
  const calls = diffCounts(before.calls, after.calls);
  return {
    messages,
    cpuMsPerMessage: messages > 0 ? (usage(after.cpu) - usage(before.cpu)) / messages : Number.NaN,
    calls: perMessage(summarize(calls.gateway), messages),
    centralCalls: summarize(calls.central),
    consumerMs: consumer.meanMs,
    providerMs: provider.meanMs,
    emulatorCpuMsPerMessage: messages > 0 ? emulatorCpuMs / messages : Number.NaN,
  };
}
