/**
 * `npm run bench` — Sild's benchmark. Runs, in order:
 * 1. the exchange benchmark (bench/scenarios.ts): backend direct vs through two gateways, per backend profile,
 *    body size and concurrency, with the gateways' CPU time and AWS calls per message;
 * 2. the cost per million messages on AWS from those counts (bench/cost.ts);
 * 3. the Lambda bundles' sizes and cold init times (bench/bundles.ts);
 * 4. `cdk synth` times for generated ecosystems (bench/synth.ts);
 * then prints a summary with goal vs measured and writes bench/results.json.
 *
 *   npx tsx bench/run.ts                 full: 3 rounds of 6 s per point (+2 s warm-up), synth of 10, 50, 100 agencies (≤ 15 min)
 *   npx tsx bench/run.ts --quick         3 rounds of 1.5 s per point (+0.5 s), synth of 10 and 100 agencies (< 5 min)
 *   options: --service-ms N (realistic backend's service time, default 20), --seconds N, --warmup N, --rounds N,
 *            --init-runs N, --synth 10,50,100, --skip-load, --skip-bundles, --skip-synth,
 *            --cpu-prof DIR (V8 CPU profile of the gateway process, for finding hot paths),
 *            --profiles instant,realistic  --bodies small,64k  --concurrency 1,8,32 (subsets, for development)
 *
 * Loopback only; every child process is stopped at the end, on error and on Ctrl-C.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { scaleCosts } from './idle';
import { cpus, loadavg } from 'node:os';
import { relative, resolve } from 'node:path';
import type { BackendProfile } from './backend';
import { measureBundles, type BundleResult } from './bundles';
import { killChildrenOnSignals, type StderrSummary } from './child';
import { RESULTS_FILE } from './paths';
import {
  costReport,
  goalResults,
  headline,
  memoryChoices,
  printMemoryChoices,
  printBundles,
  printCalls,
  printCost,
  printScaleCost,
  printGoals,
  printScenarios,
  printSynth,
} from './report';
import type { Calibration } from './gateway-process';
import { runExchangeScenarios, type BodyKind, type ExchangeResults, type ScenarioResult } from './scenarios';
import { synthUnavailableReason, timeSynth, type SynthResult } from './synth';

interface Options {
  readonly quick: boolean;
  readonly serviceMs: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
  readonly initRuns: number;
  readonly synthSizes: readonly number[];
  readonly load: boolean;
  readonly bundles: boolean;
  readonly synth: boolean;
  readonly cpuProfileDir?: string;
  /** Subsets of the matrix (development). */
  readonly profiles: readonly BackendProfile['name'][];
  readonly bodies: readonly BodyKind[];
  readonly concurrencies: readonly number[];
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const number = (name: string, fallback: number) => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
    return parsed;
  };
  const quick = argv.includes('--quick');
  const synth = value('--synth');
  return {
    quick,
    serviceMs: number('--service-ms', 20),
    seconds: number('--seconds', quick ? 1.5 : 6),
    warmupSeconds: number('--warmup', quick ? 0.5 : 2),
    rounds: number('--rounds', 3),
    initRuns: number('--init-runs', quick ? 3 : 7),
    synthSizes: synth ? synth.split(',').map(Number) : quick ? [10, 100] : [10, 50, 100],
    load: !argv.includes('--skip-load'),
    bundles: !argv.includes('--skip-bundles'),
    synth: !argv.includes('--skip-synth'),
    cpuProfileDir: value('--cpu-prof'),
    profiles: (value('--profiles')?.split(',') ?? ['instant', 'realistic']) as BackendProfile['name'][],
    bodies: (value('--bodies')?.split(',') ?? ['small', '64k']) as BodyKind[],
    concurrencies: value('--concurrency')?.split(',').map(Number) ?? [1, 8, 32],
  };
}

const print = (line = '') => console.log(line);

/** Two tiny CPU probes, so figures from different machines (or a busy one) can be put side by side. */
function machineSpeed(): { sha256UsPerKb: number; jsonUsPerKb: number } {
  const data = Buffer.alloc(1024, 7);
  const object = { id: '123', items: Array.from({ length: 20 }, (_, index) => ({ index, name: `item-${index}`, flag: index % 2 === 0 })) };
  const time = (count: number, work: () => void) => {
    for (let index = 0; index < count / 10; index += 1) work();
    const started = process.hrtime.bigint();
    for (let index = 0; index < count; index += 1) work();
    return Number(process.hrtime.bigint() - started) / 1e3 / count;
  };
  const jsonBytes = JSON.stringify(object).length;
  return {
    sha256UsPerKb: time(50_000, () => createHash('sha256').update(data).digest()),
    jsonUsPerKb: (time(20_000, () => JSON.parse(JSON.stringify(object))) * 1024) / jsonBytes,
  };
}
const elapsed = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

async function main(): Promise<void> {
  killChildrenOnSignals();
  const options = parseOptions(process.argv.slice(2));
  const started = process.hrtime.bigint();
  const loadStart = loadavg();
  print(
    `Sild benchmark (${options.quick ? 'quick' : 'full'}): ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, load average ${loadStart.map((value) => value.toFixed(2)).join(' ')}`,
  );
  if (loadStart[0] > 0.5 * cpus().length)
    print(`  note: the machine is busy (load ${loadStart[0].toFixed(2)}); figures are noisier and lower than on an idle machine`);
  const speed = machineSpeed();
  print(
    `  machine speed: SHA-256 of 1 KB ${speed.sha256UsPerKb.toFixed(2)} µs, JSON round trip of a 1 KB object ${speed.jsonUsPerKb.toFixed(2)} µs (compare runs across machines with these)`,
  );

  let scenarios: ScenarioResult[] = [];
  let calibration: Calibration | undefined;
  let calibrationWarm: Calibration | undefined;
  let gatewayStderr: StderrSummary | undefined;
  let overall: ExchangeResults['overall'] | undefined;
  if (options.load) {
    const profiles: BackendProfile[] = options.profiles.map((name) => ({ name, serviceMs: name === 'instant' ? 0 : options.serviceMs }));
    const { bodies, concurrencies } = options;
    print(
      `\n[1/3] Exchange: ${profiles.length} backends × ${bodies.length} bodies × concurrency ${concurrencies.join(', ')} × ${options.rounds} rounds of (direct, layer), ${options.seconds} s each (+${options.warmupSeconds} s warm-up); figures are medians, [min–max] beside`,
    );
    const phase = process.hrtime.bigint();
    ({ scenarios, calibration, calibrationWarm, gatewayStderr, overall } = await runExchangeScenarios({
      profiles,
      bodies,
      concurrencies,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      rounds: options.rounds,
      gatewayCpuProfileDir: options.cpuProfileDir && resolve(options.cpuProfileDir),
      log: print,
    }));
    print(`  (${elapsed(phase).toFixed(0)} s)`);
  }

  let bundles: BundleResult[] = [];
  if (options.bundles) {
    print(`\n[2/3] Lambda bundles and cold init (${options.initRuns} runs each)`);
    const phase = process.hrtime.bigint();
    bundles = await measureBundles(options.initRuns);
    print(`  (${elapsed(phase).toFixed(0)} s)`);
  }

  const synth: SynthResult[] = [];
  if (options.synth) {
    print(`\n[3/3] cdk synth for ${options.synthSizes.join(', ')} agencies`);
    const unavailable = synthUnavailableReason();
    if (unavailable) print(`  skipped: ${unavailable}`);
    for (const size of options.synthSizes) {
      const result = await timeSynth(size, 300_000);
      synth.push(result);
      print(
        `  ${size} agencies: ${result.seconds !== undefined ? `${result.seconds.toFixed(1)} s` : result.failedAfterSeconds !== undefined ? `failed after ${result.failedAfterSeconds.toFixed(1)} s` : 'not measured'}`,
      );
      if (unavailable) break;
    }
  }

  const cost = costReport(scenarios, overall);
  print('\nMonthly costs that do not grow with messages (stacks synthesized in process)…');
  const scale = await scaleCosts().catch((error: Error) => void print(`  not measured: ${error.message}`));
  const figures = headline(scenarios, bundles, synth, cost, overall, scale ?? undefined);
  const goals = goalResults(figures);
  const wallSeconds = elapsed(started);

  print('\n==================== Summary ====================');
  if (scenarios.length) {
    printScenarios(scenarios, print);
    print();
    // Steady state: the SDK's and fetch's cost per call once warm (the cold figures overstate them).
    printCalls(scenarios, calibrationWarm ?? calibration, print);
    if (overall) {
      const operations = Object.entries(overall.calls.byOperation)
        .map(([operation, count]) => `${operation} ${count.toFixed(4)}`)
        .join(', ');
      print(`  whole run (${overall.messages} messages through the layer, warm-ups and checks included), per message: ${operations}`);
    }
    if (gatewayStderr?.lines) {
      print(`  the gateway process wrote ${gatewayStderr.lines} lines on stderr; most frequent:`);
      for (const { line, count } of gatewayStderr.top) print(`    ${String(count).padStart(7)} × ${line.slice(0, 400)}`);
    }
    print();
    printCost(cost, print);
    print();
    printMemoryChoices(memoryChoices(scenarios), print);
    print();
  }
  printBundles(bundles, print);
  if (bundles.length) print();
  printSynth(synth, print);
  if (synth.length) print();
  printScaleCost(scale ?? undefined, print);
  if (scale) print();
  print('Headline figures:');
  for (const [name, value] of Object.entries(figures)) {
    const shown =
      value === undefined
        ? '–'
        : Array.isArray(value)
          ? `[${value.map((entry: number) => Number(entry.toFixed(3))).join(', ')}]`
          : Number((value as number).toFixed(4));
    print(`  ${name.padEnd(32)} ${shown}`);
  }
  if (figures.gatewayCpuMsPerMessageC1 !== undefined) {
    // Lambda allots CPU in proportion to memory: 1,769 MB is one vCPU (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
    const share = 512 / 1769;
    print(
      `  note: at 512 MB a function gets ≈ ${share.toFixed(2)} vCPU, so the ${figures.gatewayCpuMsPerMessageC1.toFixed(2)} ms of CPU per message at c1 is ≈ ${(figures.gatewayCpuMsPerMessageC1 / share).toFixed(1)} ms of Lambda duration over both sides`,
    );
  }
  print();
  printGoals(goals, print);

  const results = {
    generatedAt: new Date().toISOString(),
    mode: options.quick ? 'quick' : 'full',
    options,
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      node: process.version,
      loadAverageAtStart: loadStart,
      loadAverageAtEnd: loadavg(),
      speed,
    },
    wallSeconds,
    // Unmeasured or failed figures are written as null (JSON drops undefined).
    ...Object.fromEntries(Object.entries(figures).map(([name, value]) => [name, value ?? null])),
    calibration,
    calibrationWarm,
    memoryChoices: memoryChoices(scenarios),
    gatewayStderr,
    overall,
    goals,
    cost,
    scaleCost: scale ?? null,
    scenarios,
    bundles,
    synth,
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  print(
    `\nWrote ${relative(process.cwd(), RESULTS_FILE) || RESULTS_FILE}; wall time ${wallSeconds.toFixed(0)} s, load average now ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
