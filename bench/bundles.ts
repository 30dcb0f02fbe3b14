/**
 * Lambda bundles: each entry point bundled exactly as `SildFunction` (lib/constructs/sild-function.ts) has
 * NodejsFunction bundle it — esbuild, platform node, target `BUNDLE_TARGET` (node24), CJS, minified, external source map without
 * sources content, `@aws-sdk/*` external — then its size and its cold init time.
 *
 * Init time: a fresh `node` process per run requires the bundle, which builds the handler at import from the
 * environment (settings JSON, key id, table…), as Lambda's INIT phase does. Measured inside the process from just
 * before `require` to just after, median of `runs`; the process start itself is not included (Lambda's runtime
 * bootstrap is not ours to shrink). `NODE_PATH` points at the repository's node_modules so the external SDK
 * resolves (Lambda's runtime has it). Measured twice: with `--enable-source-maps` (what the stack sets in
 * NODE_OPTIONS) and without.
 */
import { execFile } from 'node:child_process';
import { centralEnvironment, GATEWAY_ENVIRONMENT, gatewayEnvironment } from '../lambdas/deployment-contract';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { centralConfigOf, gatewayConfigOf, parseEcosystemConfig } from '../lib/config/ecosystem-config';
import { centralSettings, gatewaySettings } from '../lib/config/runtime-settings';
import { REPO_ROOT } from './paths';
import { BUNDLE_TARGET, RUNTIME_PROVIDED_MODULES, TRACING_ONLY_MODULES } from '../lib/constructs/sild-function';
import { spreadOf, type Spread } from './scenarios';

const run = promisify(execFile);

export interface BundleEntry {
  readonly name: string;
  /** Relative to the repository root. */
  readonly entry: string;
  /** Environment the handler needs at import. */
  readonly env: Record<string, string>;
  /** A first invocation (an API Gateway or EventBridge event), for init + first call. @default - none measured */
  readonly firstEvent?: unknown;
}

export interface BundleResult {
  readonly name: string;
  readonly entry: string;
  readonly bytes: number;
  readonly kb: number;
  /** Median init (require + handler construction), ms, with `--enable-source-maps` (as deployed). */
  readonly initMs: number;
  /** The same without source maps. */
  readonly initMsNoSourceMaps: number;
  /**
   * Median init plus the first invocation, with every AWS endpoint and the central refusing connections at once
   * (one attempt): what the SDK sets up lazily on its first call (credentials, middleware, endpoint resolution) is
   * in it, network time is not. @default - not measured (no first event)
   */
  readonly initWithFirstCallMs?: number;
  /**
   * Median time to require every external `@aws-sdk/*` module the bundle may require, in a fresh process: an upper
   * bound of the SDK's share of init (a package the code requires on first use, as S3's, is in it though init does not
   * load it).
   */
  readonly sdkRequireMs: number;
  /** Median time init spent in requires of external `@aws-sdk/*` and `@smithy/*` modules (part of `initMs`). */
  readonly sdkInInitMs: number;
  /** The same through init and the first call (part of `initWithFirstCallMs`). @default - not measured (no first event) */
  readonly sdkInFirstCallMs?: number;
  /** [min, median, max] over the runs of each timing (run-to-run noise on a shared machine is large). */
  readonly spread: {
    readonly initMs: Spread;
    readonly initMsNoSourceMaps: Spread;
    readonly initWithFirstCallMs?: Spread;
    readonly sdkRequireMs: Spread;
    readonly sdkInInitMs: Spread;
    readonly sdkInFirstCallMs?: Spread;
  };
  /** The external modules the bundle requires. */
  readonly externals: readonly string[];
  /** The largest inputs in the bundle (package or folder → bytes of output). */
  readonly topInputs: { readonly input: string; readonly kb: number }[];
}

/** The environment each function gets from its stack, with plausible values. */
function functionEnvironments(): Record<string, Record<string, string>> {
  const config = parseEcosystemConfig(
    JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'ecosystem.json'), 'utf8')) as unknown,
    'config/ecosystem.json',
    join(REPO_ROOT, 'config'),
  );
  const anchorPublicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const agency = config.agencies[0];
  const keyArn = 'arn:aws:kms:eu-north-1:222222222222:key/00000000-0000-4000-8000-000000000000';
  const lambda = {
    AWS_REGION: 'eu-north-1',
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
  };
  const gateway = {
    ...lambda,
    ...gatewayEnvironment({
      settings: gatewaySettings(gatewayConfigOf(config, agency), {
        centralUrl: 'https://abc123defg.execute-api.eu-north-1.amazonaws.com/prod',
        anchorPublicKey,
      }),
      signingKeyId: keyArn,
      messageLogTable: 'sild-population-registry-message-log',
      logRetentionDays: agency.logRetentionDays,
      bodyBucket: 'sild-population-registry-bodies',
    }),
  };
  return {
    central: {
      ...lambda,
      ...centralEnvironment({
        settings: centralSettings(centralConfigOf(config)),
        signingKeyId: keyArn,
        registryTable: 'sild-registry',
        configurationBucket: 'sild-central-globalconf',
      }),
    },
    consumer: gateway,
    provider: gateway,
    registrar: lambda,
  };
}

export function bundleEntries(): BundleEntry[] {
  const env = functionEnvironments();
  const entries: BundleEntry[] = [
    { name: 'central', entry: 'lambdas/central/index.ts', env: env.central, firstEvent: restEvent('GET', '/globalconf') },
    { name: 'consumer', entry: 'lambdas/gateway/consumer.ts', env: env.consumer, firstEvent: httpApiEvent('GET', '/health') },
    {
      name: 'provider',
      entry: 'lambdas/gateway/provider.ts',
      env: env.provider,
      firstEvent: restEvent('GET', '/r1/DEV/GOV/70000001/population/persons/123'),
    },
    {
      name: 'sealer',
      entry: 'lambdas/gateway/sealer.ts',
      env: env.provider,
      firstEvent: { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} },
    },
    { name: 'registrar', entry: 'lambdas/gateway/registrar-resource.ts', env: env.registrar },
  ];
  return entries.filter((entry) => existsSync(join(REPO_ROOT, entry.entry)));
}

function outputOf(metafile: Metafile, outfile: string) {
  return Object.entries(metafile.outputs).find(([path]) => path.endsWith(`${outfile.split('/').slice(-2).join('/')}`))?.[1];
}

/** The external modules (the AWS SDK) a bundle requires at run time. */
function externalsOf(metafile: Metafile, outfile: string): string[] {
  const output = outputOf(metafile, outfile);
  return [
    ...new Set(
      (output?.imports ?? [])
        .filter((entry) => entry.external && (entry.path.startsWith('@aws-sdk/') || entry.path.startsWith('@smithy/')))
        .map((entry) => entry.path),
    ),
  ].sort();
}

/** Output bytes by package (node_modules/<pkg>) or by source folder. */
function topInputs(metafile: Metafile, outfile: string, count = 6): { input: string; kb: number }[] {
  const output = outputOf(metafile, outfile);
  if (!output) return [];
  const groups = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const group = match ? match[1] : input.split('/').slice(0, 2).join('/');
    groups.set(group, (groups.get(group) ?? 0) + bytesInOutput);
  }
  return [...groups.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([input, bytes]) => ({ input, kb: Math.round((bytes / 1024) * 10) / 10 }));
}

/**
 * Sums the time spent in requires of external SDK modules (`@aws-sdk/*`, `@smithy/*`) that do not run inside another
 * such require: what the process paid to load the SDK, when it loaded it.
 */
const SDK_REQUIRE_TIMER = [
  "const Module = require('node:module'); const plainRequire = Module.prototype.require; let sdkMs = 0; let inSdk = false;",
  'Module.prototype.require = function (id) {',
  '  if (inSdk || !/^@(aws-sdk|smithy)\\//.test(id)) return plainRequire.apply(this, arguments);',
  '  inSdk = true; const began = process.hrtime.bigint();',
  '  try { return plainRequire.apply(this, arguments); } finally { sdkMs += Number(process.hrtime.bigint() - began) / 1e6; inSdk = false; }',
  '};',
].join(' ');

/** The script each init run executes: time `require(bundle)` (which builds the handler) and print it, and the SDK's part. */
const INIT_SCRIPT = [
  SDK_REQUIRE_TIMER,
  'const start = process.hrtime.bigint();',
  'const mod = require(process.argv[1]);',
  "if (typeof mod.handler !== 'function') throw new Error('no handler export');",
  "process.stdout.write(String(Number(process.hrtime.bigint() - start) / 1e6) + ' ' + sdkMs);",
].join(' ');

/** Init, then the first invocation with the event in BENCH_EVENT (its answer, even a refusal, ends the timing). */
const FIRST_CALL_SCRIPT = [
  SDK_REQUIRE_TIMER,
  'const start = process.hrtime.bigint();',
  'const mod = require(process.argv[1]);',
  'Promise.resolve(mod.handler(JSON.parse(process.env.BENCH_EVENT), {})).catch(() => undefined).then(() => {',
  "  process.stdout.write(String(Number(process.hrtime.bigint() - start) / 1e6) + ' ' + sdkMs);",
  '  process.exit(0);',
  '});',
].join(' ');

/** Every AWS endpoint and the central refuse at once (no DNS, no network time); one attempt each (no back-off). */
function refusing(env: Record<string, string>): Record<string, string> {
  const settings = env[GATEWAY_ENVIRONMENT.settings];
  return {
    ...env,
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_MAX_ATTEMPTS: '1',
    ...(settings
      ? { [GATEWAY_ENVIRONMENT.settings]: JSON.stringify({ ...JSON.parse(settings), centralUrl: 'https://127.0.0.1:9/prod', globalConfSources: [] }) }
      : {}),
  };
}

function restEvent(method: string, path: string): unknown {
  return {
    httpMethod: method,
    path,
    resource: '/{proxy+}',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'bench', identity: {}, path: `/prod${path}`, stage: 'prod' },
  };
}

function httpApiEvent(method: string, path: string): unknown {
  return {
    version: '2.0',
    routeKey: 'ANY /{proxy+}',
    rawPath: path,
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      requestId: 'bench',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      stage: '$default',
    },
  };
}

/** Times requiring the modules named in argv (comma-separated). */
const SDK_SCRIPT = [
  'const start = process.hrtime.bigint();',
  "for (const name of process.argv[1].split(',').filter(Boolean)) require(name);",
  'process.stdout.write(String(Number(process.hrtime.bigint() - start) / 1e6));',
].join(' ');

/** One timed run: the milliseconds, and those spent requiring the SDK when the script reports them. */
async function initOnce(
  bundle: string,
  env: Record<string, string>,
  sourceMaps: boolean,
  script = INIT_SCRIPT,
): Promise<{ ms: number; sdkMs: number }> {
  const { stdout } = await run(process.execPath, [...(sourceMaps ? ['--enable-source-maps'] : []), '-e', script, bundle], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', NODE_PATH: join(REPO_ROOT, 'node_modules'), ...env },
    timeout: 30_000,
  });
  // The figures are the last line (a first call may log, and write its opmon line, before it).
  const [ms, sdkMs] = (stdout.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return { ms, sdkMs: sdkMs ?? ms };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Bundles every entry and measures it. */
export async function measureBundles(runs: number): Promise<BundleResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sild-bench-bundles-'));
  try {
    const results: BundleResult[] = [];
    for (const entry of bundleEntries()) {
      const outfile = join(dir, entry.name, 'index.js');
      const built = await build({
        entryPoints: [join(REPO_ROOT, entry.entry)],
        outfile,
        bundle: true,
        platform: 'node',
        target: BUNDLE_TARGET,
        format: 'cjs',
        minify: true,
        sourcemap: true,
        sourcesContent: false,
        external: [...RUNTIME_PROVIDED_MODULES, ...TRACING_ONLY_MODULES],
        absWorkingDir: REPO_ROOT,
        metafile: true,
        logLevel: 'silent',
      });
      const bytes = statSync(outfile).size;
      const externals = externalsOf(built.metafile, outfile);
      const withMaps: number[] = [];
      const withoutMaps: number[] = [];
      const sdkOnly: number[] = [];
      const sdkInInit: number[] = [];
      const firstCall: number[] = [];
      const sdkInFirstCall: number[] = [];
      for (let index = 0; index < runs; index += 1) {
        if (entry.firstEvent) {
          const first = await initOnce(outfile, { ...refusing(entry.env), BENCH_EVENT: JSON.stringify(entry.firstEvent) }, true, FIRST_CALL_SCRIPT);
          firstCall.push(first.ms);
          sdkInFirstCall.push(first.sdkMs);
        }
        const init = await initOnce(outfile, entry.env, true);
        withMaps.push(init.ms);
        sdkInInit.push(init.sdkMs);
        withoutMaps.push((await initOnce(outfile, entry.env, false)).ms);
        sdkOnly.push((await initOnce(externals.join(','), entry.env, false, SDK_SCRIPT)).ms);
      }
      results.push({
        name: entry.name,
        entry: entry.entry,
        bytes,
        kb: bytes / 1024,
        initMs: median(withMaps),
        initMsNoSourceMaps: median(withoutMaps),
        ...(firstCall.length ? { initWithFirstCallMs: median(firstCall) } : {}),
        sdkRequireMs: median(sdkOnly),
        sdkInInitMs: median(sdkInInit),
        ...(sdkInFirstCall.length ? { sdkInFirstCallMs: median(sdkInFirstCall) } : {}),
        spread: {
          initMs: spreadOf(withMaps),
          initMsNoSourceMaps: spreadOf(withoutMaps),
          ...(firstCall.length ? { initWithFirstCallMs: spreadOf(firstCall) } : {}),
          sdkRequireMs: spreadOf(sdkOnly),
          sdkInInitMs: spreadOf(sdkInInit),
          ...(sdkInFirstCall.length ? { sdkInFirstCallMs: spreadOf(sdkInFirstCall) } : {}),
        },
        externals,
        topInputs: topInputs(built.metafile, outfile),
      });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
