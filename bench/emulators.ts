/**
 * The local AWS emulators (dynalite for DynamoDB, the local KMS endpoint) in a process of their own, so another
 * process — the benchmark's gateways — can use them while its CPU time is measured apart from theirs.
 *
 *   npx tsx bench/emulators.ts [--state-dir DIR] [--account 111111111111]
 *
 * Starts both on ephemeral ports on 127.0.0.1 (memory only unless --state-dir) and prints one JSON line:
 * `{"dynamodbUrl":"http://127.0.0.1:…","kmsUrl":"http://127.0.0.1:…"}`. Then, for each JSON line read on stdin,
 * answers one JSON line: `{"cmd":"usage"}` → `{"cpuMs":{"user","system"}}` (this process's CPU time so far);
 * `{"cmd":"iam","config":{…},"secret":"…"}` → `{"installed":N}`: enforces that ecosystem's IAM (derived from its stacks,
 * its function principals' credentials from the secret the gateways' process is given too).
 * Stops on SIGTERM or SIGINT, or when stdin closes (the parent went away).
 */
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { parseEcosystemConfig } from '../lib/config/ecosystem-config';
import { LOCAL_REGION } from '../lib/local/ecosystem';
import { startEmulators, type Emulators } from '../lib/local/emulators';
import { installLocalIam, localIamSetup } from '../lib/local/iam/setup';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const stateDir = option('--state-dir');
  // The account only appears in the KMS key ARNs.
  const account = option('--account') ?? '111111111111';
  // No fault-injection proxy: the benchmark measures the path Lambda would take, without an extra hop.
  const emulators: Emulators = await startEmulators({
    stateDir: stateDir && resolve(stateDir),
    region: LOCAL_REGION,
    account,
    faultInjection: false,
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await emulators.stop();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  process.stdout.write(`${JSON.stringify({ dynamodbUrl: emulators.dynamodbUrl, kmsUrl: emulators.kmsUrl, s3Url: emulators.s3Url })}\n`);

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => void answer(line));
  lines.on('close', () => void stop());

  async function answer(line: string): Promise<void> {
    let command: { cmd?: string; config?: unknown; secret?: string } = {};
    try {
      command = JSON.parse(line) as typeof command;
    } catch {
      // Answered below as unknown.
    }
    if (command.cmd === 'iam' && typeof command.secret === 'string') {
      try {
        const setup = await localIamSetup(parseEcosystemConfig(command.config, 'benchmark config', join(process.cwd(), 'config')), command.secret);
        installLocalIam(emulators.iam, setup);
        process.stdout.write(`${JSON.stringify({ installed: setup.model.functions.length })}\n`);
      } catch (error) {
        process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
      }
    } else if (command.cmd === 'usage') {
      const usage = process.cpuUsage();
      process.stdout.write(`${JSON.stringify({ cpuMs: { user: usage.user / 1000, system: usage.system / 1000 } })}\n`);
    } else {
      process.stdout.write(`${JSON.stringify({ error: `unknown command: ${line}` })}\n`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
