/**
 * The `sild` command line: message-log verification, evidence of single exchanges, the registry and key rotation.
 *
 *   sild log verify --agency tax-board
 *   sild evidence export <X-Road-Id> --agency tax-board [--client ID] [--out FILE]
 *   sild evidence verify FILE [--anchor ANCHOR] [--federated-anchor ANCHOR]…
 *   sild registry list | sild registry remove --agency NAME
 *   sild keys rotate --agency NAME [--wait] | sild keys rotate --central [--wait]
 *   sild keys rotate --agency NAME | --central  --aws [--config FILE]   (the next step, as a config change)
 *   sild monitor --agency NAME [--since 15m] [--client ID] [--service ID]
 *   sild doctor [--config FILE] [--aws [--profile P]]   (the pre-flight of a deployment)
 *   sild --version
 *
 * Works on the local ecosystem (`npm start`) by default; `--aws` with `--table`, `--region`, `--central-url`,
 * `--gateway-id` and `--anchor` works on a deployed gateway with the usual AWS credentials (`--profile`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { exportEvidenceCommand, verifyEvidenceCommand, verifyLogCommand, type Output } from '../cli/commands';
import { anchorPath, awsTarget, CliError, localTarget, readAnchor, type LogTarget } from '../cli/log-target';
import { registryListCommand, registryRemoveCommand, rotateCentralKeyCommand, rotateGatewayKeyCommand } from '../cli/trust';
import { rotateInConfigFile } from '../cli/aws-key-rotation';
import { awsOpmonSource, durationMs, localOpmonSource, monitorCommand } from '../cli/monitor';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DEFAULT_CONFIG_PATH } from '../lib/config/ecosystem-config';
import { awsRegistryTarget, localTrustTarget, readLocalRuntimeInfo } from '../cli/trust-target';
import { silenceSdkNodeVersionWarning } from '../lib/local/sdk-warnings';
import { terminalSafe } from '../cli/printable';
import { deploymentPlanOf, livePreflight, offlinePreflight, printPreflight } from '../cli/doctor';
import { awsAccountProbe } from '../cli/aws-account-probe';

silenceSdkNodeVersionWarning();

const stateDir = resolve(process.env.SILD_STATE_DIR ?? '.sild');
// The last guard against terminal escapes in values from peers (the commands escape what they print themselves);
// output to a file or a pipe stays byte for byte.
const toStdout = (text: string) => process.stdout.write(`${process.stdout.isTTY ? terminalSafe(text) : text}\n`);
const toStderr = (text: string) => process.stderr.write(`${process.stderr.isTTY ? terminalSafe(text) : text}\n`);
const output: Output = { line: toStdout, progress: toStderr };

interface TargetOptions {
  agency: string;
  aws?: boolean;
  table?: string;
  region?: string;
  profile?: string;
  centralUrl?: string;
  gatewayId?: string;
  anchor?: string;
  interval?: string;
  retentionDays?: string;
}

/** Options every log-reading command shares. */
function targetOptions(command: Command): Command {
  return command
    .requiredOption('--agency <name>', 'the agency whose gateway log to read')
    .option('--aws', 'read a deployed gateway instead of the local ecosystem')
    .option('--table <name>', 'with --aws: the message-log table')
    .option('--region <region>', 'with --aws: the AWS region')
    .option('--profile <profile>', 'with --aws: the AWS profile to use')
    .option('--central-url <url>', 'with --aws: the central API URL (for the global configuration)')
    .option('--gateway-id <id>', 'with --aws: the gateway id INSTANCE/CLASS/CODE/SERVERCODE')
    .option('--anchor <anchor>', 'with --aws: anchor file or INSTANCE:BASE64-PUBLIC-KEY')
    .option('--interval <seconds>', 'with --aws: seal interval', '60')
    .option('--retention-days <days>', 'with --aws: log retention', '30');
}

function target(options: TargetOptions): LogTarget {
  if (!options.aws) return localTarget(stateDir, options.agency);
  const missing = (['table', 'region', 'centralUrl', 'gatewayId', 'anchor'] as const).filter((name) => !options[name]);
  if (missing.length)
    throw new CliError(`--aws needs ${missing.map((name) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`);
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  return awsTarget({
    agency: options.agency,
    gatewayId: options.gatewayId!,
    table: options.table!,
    region: options.region!,
    centralUrl: options.centralUrl!,
    anchor: readAnchor(options.anchor!),
    intervalSeconds: Number(options.interval),
    retentionDays: Number(options.retentionDays),
  });
}

async function run(action: () => Promise<number> | number): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (error) {
    toStderr(`sild: ${error instanceof CliError ? error.message : ((error as Error).message ?? String(error))}`);
    process.exitCode = 2;
  }
}

const program = new Command('sild')
  .description('Sild: message logs, evidence, the registry and keys, and the pre-flight of a deployment')
  .version((JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version)
  .showHelpAfterError();

const log = program.command('log').description('the message log of a gateway');
targetOptions(log.command('verify').description('check every record against its seal and the seal chain; exit 1 on any problem')).action(
  (options: TargetOptions) => run(() => verifyLogCommand(target(options), output)),
);

const evidence = program.command('evidence').description('proof of single exchanges');
targetOptions(
  evidence
    .command('export')
    .description('write a self-contained evidence bundle for one exchange')
    .argument('<xRoadId>', 'the X-Road-Id of the exchange')
    .option('--client <id>', 'the client subsystem (when the X-Road-Id is not unique)')
    .option('--out <file>', 'write the bundle to this file (default: stdout)'),
).action((xRoadId: string, options: TargetOptions & { client?: string; out?: string }) =>
  run(() => exportEvidenceCommand(target(options), xRoadId, options, output)),
);

evidence
  .command('verify')
  .description('verify an evidence bundle offline, down to the anchor; exit 0 valid, 1 invalid')
  .argument('<file>', 'the evidence bundle')
  .addOption(new Option('--anchor <anchor>', "anchor file or INSTANCE:BASE64-PUBLIC-KEY (default: the local ecosystem's .sild/anchor.json)"))
  .addOption(
    new Option(
      '--federated-anchor <anchor>',
      "a federated instance's anchor (repeatable; default: the one the anchored configuration publishes)",
    ).argParser((value: string, previous: string[] = []) => [...previous, value]),
  )
  .action((file: string, options: { anchor?: string; federatedAnchor?: string[] }) =>
    run(() => {
      const anchor = options.anchor ?? anchorPath(stateDir);
      if (!options.anchor && !existsSync(anchor)) throw new CliError('--anchor is required (no local ecosystem anchor found)');
      output.progress(`Anchor: ${options.anchor ?? anchor}`);
      return verifyEvidenceCommand(file, readAnchor(anchor), output, (options.federatedAnchor ?? []).map(readAnchor));
    }),
  );

interface RegistryOptions {
  aws?: boolean;
  table?: string;
  region?: string;
  profile?: string;
  instance?: string;
}

/** The registry: the local ecosystem's, or with `--aws` a deployed central's registry table. */
function registryTarget(options: RegistryOptions) {
  if (!options.aws) return localTrustTarget(readLocalRuntimeInfo(stateDir));
  const missing = (['table', 'region', 'instance'] as const).filter((name) => !options[name]);
  if (missing.length) throw new CliError(`--aws needs ${missing.map((name) => `--${name}`).join(', ')}`);
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  return awsRegistryTarget({ table: options.table!, region: options.region!, instance: options.instance! });
}

const registryOptions = (command: Command): Command =>
  command
    .option('--aws', "work on a deployed central's registry instead of the local ecosystem")
    .option('--table <name>', 'with --aws: the registry table')
    .option('--region <region>', 'with --aws: the AWS region')
    .option('--profile <profile>', 'with --aws: the AWS profile to use')
    .option('--instance <code>', 'with --aws: the X-Road instance code');

const registry = program.command('registry').description('the central registry: who is published in the global configuration');
registryOptions(registry.command('list').description('every agency in the registry, its keys, and whether it is published')).action(
  (options: RegistryOptions) => run(() => registryListCommand(registryTarget(options), output)),
);
registryOptions(
  registry
    .command('remove')
    .description('remove an agency: the next global configuration leaves it out and every gateway refuses its messages once refreshed')
    .requiredOption('--agency <name>', 'the agency to remove'),
).action((options: RegistryOptions & { agency: string }) => run(() => registryRemoveCommand(registryTarget(options), options.agency, output)));

const keys = program.command('keys').description('signing keys');
keys
  .command('rotate')
  .description('rotate a gateway key (three steps: publish, switch, retire) or the central key, with no message failing')
  .option('--agency <name>', "rotate this agency's gateway key")
  .option('--central', 'rotate the central key')
  .option('--wait', 'run every step, waiting in between (default: one step, then say when the next is due)')
  .option(
    '--aws',
    'a deployment: the keys are stack resources; make the next step in the config file (`signingKeys`), to review with cdk diff and deploy (README, Key rotation)',
  )
  .option(
    '--config <file>',
    "with --aws: the config file to change (the ecosystem file, an agency's gateway config or the central config)",
    DEFAULT_CONFIG_PATH,
  )
  .action((options: { agency?: string; central?: boolean; wait?: boolean; aws?: boolean; config: string }) =>
    run(async () => {
      if (Boolean(options.agency) === Boolean(options.central)) throw new CliError('say which key: --agency NAME or --central');
      if (options.aws) return rotateInConfigFile(options.config, options.central ? { central: true } : { agency: options.agency! }, output);
      const target = localTrustTarget(readLocalRuntimeInfo(stateDir), anchorPath(stateDir));
      return options.central
        ? rotateCentralKeyCommand(target, { wait: options.wait }, output)
        : rotateGatewayKeyCommand(target, options.agency!, { wait: options.wait }, output);
    }),
  );

program
  .command('monitor')
  .description('operational monitoring of a gateway: per client and service, count, errors by type, p50/p95 duration, bytes')
  .requiredOption('--agency <name>', 'the agency whose gateway to report')
  .option('--since <duration>', 'how far back: 30s, 15m, 2h, 1d', '15m')
  .option('--client <id>', 'only this client (INSTANCE/CLASS/CODE/SUBSYSTEM)')
  .option('--service <id>', 'only this service (INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE)')
  .option('--aws', "read a deployed gateway's CloudWatch Logs (Logs Insights) instead of the local ecosystem")
  .option('--log-group <name...>', "with --aws: the gateway functions' log groups (consumer and provider)")
  .option('--region <region>', 'with --aws: the AWS region')
  .option('--profile <profile>', 'with --aws: the AWS profile to use')
  .action(
    (options: {
      agency: string;
      since: string;
      client?: string;
      service?: string;
      aws?: boolean;
      logGroup?: string[];
      region?: string;
      profile?: string;
    }) =>
      run(() => {
        const filter = { sinceMs: Date.now() - durationMs(options.since), client: options.client, service: options.service };
        if (!options.aws) {
          const agency = readLocalRuntimeInfo(stateDir).agencies[options.agency];
          if (!agency) throw new CliError(`no agency ${options.agency} in the local ecosystem`);
          return monitorCommand(localOpmonSource(agency.opmonFile), options.agency, filter, output);
        }
        if (!options.logGroup?.length || !options.region)
          throw new CliError("--aws needs --log-group (the consumer and provider functions' log groups) and --region");
        if (options.profile) process.env.AWS_PROFILE = options.profile;
        return monitorCommand(awsOpmonSource(options.logGroup, new CloudWatchLogsClient({ region: options.region })), options.agency, filter, output);
      }),
  );

program
  .command('doctor')
  .description('pre-flight of a deployment: what each account and Region needs; exit 1 when the plan cannot deploy')
  .option('--config <file>', "an ecosystem file or an agency's own gateway config", DEFAULT_CONFIG_PATH)
  .option('--aws', "also read each live account, read-only, with the operator's credentials")
  .option('--profile <profile>', 'with --aws: the AWS profile to use')
  .addOption(new Option('--endpoint <url>', 'with --aws: one endpoint for every AWS service (a stand-in)').hideHelp())
  .action((options: { config: string; aws?: boolean; profile?: string; endpoint?: string }) =>
    run(async () => {
      if (!existsSync(options.config)) throw new CliError(`no config at ${options.config}`);
      const plan = deploymentPlanOf(options.config);
      let blocks = offlinePreflight(plan);
      if (options.aws) {
        const probe = awsAccountProbe({ profile: options.profile, endpoint: options.endpoint });
        try {
          blocks = await livePreflight(blocks, probe, plan);
        } finally {
          probe.destroy();
        }
      }
      return printPreflight(blocks, output);
    }),
  );

program.parseAsync(process.argv).catch((error) => {
  toStderr(`sild: ${(error as Error).message}`);
  process.exitCode = 2;
});
