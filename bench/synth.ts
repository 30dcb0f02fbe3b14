/**
 * `cdk synth` timing for generated ecosystems of N agencies. The timed command is exactly what an operator runs —
 * the CDK CLI (`node_modules/.bin/cdk synth --quiet --no-notices -c sild:config=<file>`), which runs the app
 * through `cdk.json` (`npx tsx bin/app.ts`): TypeScript loading, config validation, every stack's constructs,
 * NodejsFunction bundling by the local esbuild, cdk-nag and aws-cdk-lib's built-in template validation, and
 * writing the cloud assembly. Output goes to a temporary folder (`-o`), never to the repository's `cdk.out`.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEcosystemConfig } from '../lib/config/ecosystem-config';
import { REPO_ROOT } from './paths';

/** The context key `bin/app.ts` reads the config path from. */
export const CONFIG_CONTEXT_KEY = 'sild:config';

export interface SynthResult {
  readonly agencies: number;
  /** Wall time of the `cdk synth` command, seconds; undefined when skipped or failed. */
  readonly seconds?: number;
  /** Wall time until `cdk synth` failed, seconds (the app ran; a validation error stopped it). */
  readonly failedAfterSeconds?: number;
  readonly stacks?: number;
  /** Why the step was skipped or failed. */
  readonly note?: string;
}

const code = (index: number) => String(80_000_000 + index);

/**
 * A valid ecosystem config of `count` agencies, as a deployed ecosystem would have it: the central API URL and
 * anchor key are set (so every agency stack also gets its registration custom resource), each agency offers one
 * service and grants it to the previous agency's subsystem, and the consumer side is IAM-authorized.
 */
export function generateEcosystemConfig(count: number): Record<string, unknown> {
  const anchor = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const agencies = Array.from({ length: count }, (_, index) => ({
    name: `agency-${index}`,
    account: String(200_000_000_000 + index),
    region: 'eu-north-1',
    member: { class: 'GOV', code: code(index), name: `Agency ${index}` },
    subsystems: ['main'],
    services: [{ subsystem: 'main', code: 'records', backendUrl: `https://backend-${index}.example.invalid/records` }],
    accessRights:
      index === 0 ? [] : [{ service: 'main/records', subject: `DEV/GOV/${code(index - 1)}/main`, methods: ['GET', 'POST'], paths: ['**'] }],
    consumerAccess: { mode: 'iam' },
  }));
  const config = {
    instance: 'DEV',
    memberClasses: ['GOV', 'COM'],
    central: {
      account: '111111111111',
      region: 'eu-north-1',
      apiUrl: 'https://abc123defg.execute-api.eu-north-1.amazonaws.com/prod/',
      anchorPublicKey: anchor,
    },
    agencies,
  };
  parseEcosystemConfig(config, `generated config of ${count} agencies`);
  return config;
}

/** Why synth cannot be timed in this checkout, or undefined when it can. */
export function synthUnavailableReason(): string | undefined {
  if (!existsSync(join(REPO_ROOT, 'bin', 'app.ts'))) return 'bin/app.ts (the CDK app) does not exist yet';
  if (!existsSync(join(REPO_ROOT, 'cdk.json'))) return 'cdk.json does not exist yet';
  if (!existsSync(join(REPO_ROOT, 'node_modules', '.bin', 'cdk'))) return 'the CDK CLI (aws-cdk) is not installed';
  const app = readFileSync(join(REPO_ROOT, 'bin', 'app.ts'), 'utf8');
  if (!app.includes(CONFIG_CONTEXT_KEY))
    return `bin/app.ts does not read the context key ${CONFIG_CONTEXT_KEY} (update CONFIG_CONTEXT_KEY in bench/synth.ts)`;
  return undefined;
}

/** Runs `cdk synth` for a generated config of `count` agencies and times it (wall clock). */
export async function timeSynth(count: number, timeoutMs: number): Promise<SynthResult> {
  const unavailable = synthUnavailableReason();
  if (unavailable) return { agencies: count, note: `skipped: ${unavailable}` };
  const dir = mkdtempSync(join(tmpdir(), `sild-bench-synth-${count}-`));
  try {
    const configPath = join(dir, 'ecosystem.json');
    writeFileSync(configPath, JSON.stringify(generateEcosystemConfig(count)));
    const outdir = join(dir, 'cdk.out');
    const args = ['synth', '--quiet', '--no-notices', '-c', `${CONFIG_CONTEXT_KEY}=${configPath}`, '-o', outdir];
    const started = process.hrtime.bigint();
    const { code: exitCode, output } = await runCommand(join(REPO_ROOT, 'node_modules', '.bin', 'cdk'), args, timeoutMs);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // The app writes the whole assembly before the CLI fails on error annotations: count what was written.
    const stacks = existsSync(outdir) ? readdirSync(outdir).filter((file) => file.endsWith('.template.json')).length : 0;
    if (exitCode !== 0) {
      const tail = output.trim().split('\n').slice(-6).join(' | ');
      if (exitCode === null) return { agencies: count, note: `timed out after ${timeoutMs / 1000} s` };
      const error = /ERROR (.*)/.exec(output)?.[1];
      return {
        agencies: count,
        failedAfterSeconds: seconds,
        stacks,
        note: `cdk synth failed (exit ${exitCode}; ${stacks} templates written): ${error ?? tail}`,
      };
    }
    return { agencies: count, seconds, stacks };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runCommand(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-20_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    // The CLI starts the app as a grandchild: kill the whole process group.
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    process.once('exit', killGroup);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      process.off('exit', killGroup);
      resolve({ code: timedOut ? null : code, output });
    });
  });
}
