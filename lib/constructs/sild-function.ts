/**
 * A Lambda function with Sild's production defaults fixed once: Node.js 24 on arm64, bundled by the local esbuild
 * (no Docker) minified with source maps, the AWS SDK v3 (and its @smithy packages) left to the runtime, an explicit log group with retention,
 * and an own execution role that may write only to that log group (no managed policy, no `logs:CreateLogGroup`).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Annotations, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { TRACING_ENV } from '../../lambdas/deployment-contract';

/**
 * Sild's package root (the folder of its package.json, whether this file runs from source in the repository or
 * compiled under `dist/` in an installed package): the Lambda entries (shipped as TypeScript under `lambdas/`) and
 * esbuild's working directory are resolved from here, never from the consuming app's cwd.
 */
export const PROJECT_ROOT = packageRoot(__dirname);

/**
 * What NodejsFunction is told is the lock file: the repository's, or — in an installed package, which carries no lock
 * file — its package.json. It only picks the package manager; nothing is installed into the bundle (the functions
 * have no `nodeModules`), and the asset hash is the bundle's own.
 */
const DEPS_LOCK_FILE = [path.join(PROJECT_ROOT, 'package-lock.json'), path.join(PROJECT_ROOT, 'package.json')].find((file) => existsSync(file))!;

/**
 * The Lambda runtime of every Sild function. nodejs22.x is deprecated on 2027-04-30 and blocks function updates from
 * about 2027-07-01; nodejs24.x is supported until 2028-04-30
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-supported).
 */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** esbuild's target for that runtime: the syntax the bundles may keep (the bench bundles with it too). */
export const BUNDLE_TARGET = 'node24';

/** The Node.js runtime ships the AWS SDK v3 with its @smithy dependencies; bundling them only adds weight. */
export const RUNTIME_PROVIDED_MODULES = ['@aws-sdk/*', '@smithy/*'] as const;

/**
 * Bundled only into functions with `tracing` on: the Powertools Tracer and the X-Ray SDK (~100 KB) are required only
 * when tracing is on (`aws-clients.ts`), so every other bundle leaves them out.
 */
export const TRACING_ONLY_MODULES = ['@aws-lambda-powertools/tracer'] as const;

/**
 * Lambda's limit on the total size of a function's environment variables (keys and values): 4 KB
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
 */
const ENVIRONMENT_LIMIT_BYTES = 4096;
/** What an unresolved token (an ARN, a table name) is assumed to take once deployed. */
const TOKEN_ESTIMATE_BYTES = 128;

/** Where a function runs in the agency's VPC. */
export interface SildFunctionVpcPlacement {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.ISubnet[];
  readonly securityGroups: ec2.ISecurityGroup[];
}

export interface SildFunctionProps {
  /** Entry file, relative to the repository root (e.g. `lambdas/central/index.ts`). */
  readonly entry: string;
  /** What the function is for (shown in the console and in `cdk diff`). */
  readonly description: string;
  /** Exported handler name in the entry file. @default 'handler' */
  readonly handler?: string;
  /** Environment variables; their total size is checked against Lambda's 4 KB limit at synth. @default - none */
  readonly environment?: Record<string, string>;
  /** @default 512 */
  readonly memorySize?: number;
  /**
   * Reserved concurrency: the function's ceiling (a flood cannot take the account's whole pool) and its floor
   * (other functions cannot starve it). It is taken from the account's pool, which Lambda refuses below its
   * unreserved minimum: a new account (quota 10) cannot reserve at all — hence opt-in, checked by the stacks against
   * the configured quota (`concurrency-plan.ts`).
   * @default - none: the function shares the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /** @default Duration.seconds(29) — API Gateway's integration timeout */
  readonly timeout?: Duration;
  /** Retention of the function's own (payload-free) log group. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** X-Ray active tracing, with a subsegment per AWS SDK call (Powertools Tracer). @default false */
  readonly tracing?: boolean;
  /** Runs the function in a VPC (to reach backends there). @default - not in a VPC */
  readonly vpcPlacement?: SildFunctionVpcPlacement;
}

export class SildFunction extends NodejsFunction {
  /** Its reserved concurrency (the alarms watch how close it runs to it), if it has one. */
  public readonly reservedConcurrency?: number;

  constructor(scope: Construct, id: string, props: SildFunctionProps) {
    // Role and log group are created before the function (they are its props), as siblings named after it.
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`.slice(0, 1000),
    });
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: props.handler ?? 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: DEPS_LOCK_FILE,
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      reservedConcurrentExecutions: props.reservedConcurrency,
      timeout: props.timeout ?? Duration.seconds(29),
      role,
      logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment, ...(props.tracing ? { [TRACING_ENV]: 'true' } : {}) },
      tracing: props.tracing ? lambda.Tracing.ACTIVE : undefined,
      vpc: props.vpcPlacement?.vpc,
      vpcSubnets: props.vpcPlacement ? { subnets: props.vpcPlacement.subnets } : undefined,
      securityGroups: props.vpcPlacement?.securityGroups,
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: BUNDLE_TARGET,
        format: OutputFormat.CJS,
        externalModules: [...RUNTIME_PROVIDED_MODULES, ...(props.tracing ? [] : TRACING_ONLY_MODULES)],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir, outputDir) => [normalizeSourceMapCommand(path.join(outputDir, 'index.js.map'))],
        },
      },
    });
    this.reservedConcurrency = props.reservedConcurrency;
    logGroup.grantWrite(role);
    if (props.tracing) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords (added by Lambda tracing) support no resource-level permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html).',
      });
    }
    if (props.vpcPlacement) {
      // What Lambda needs to attach the function to the VPC — the network-interface actions of the AWS-managed
      // AWSLambdaVPCAccessExecutionRole, without its logs:* on every log group. EC2 offers no resource-level
      // permissions for them (the interfaces do not exist yet), hence `*`.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Lambda creates, describes and deletes the network interfaces that attach the function to the agency VPC; these EC2 actions have no resource-level permissions. The role gets exactly these ENI actions and no data access.',
      });
    }
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason: `Sild standardises on ${LAMBDA_RUNTIME.name} (the newest Node.js runtime when chosen, supported by Lambda until 2028) across all its functions; a newer runtime aws-cdk-lib learns of is adopted here once validated (LAMBDA_RUNTIME, BUNDLE_TARGET).`,
    });
    checkEnvironmentSize(this, { NODE_OPTIONS: '--enable-source-maps', ...props.environment });
  }
}

/**
 * esbuild writes source-map `sources` relative to its output folder, which lives in the cloud assembly: the same
 * code synthesized into another outdir would get another asset hash. Rewriting them relative to the repository
 * root makes the bundle (and its hash) depend only on the code. Stack traces then name `lambdas/...` files.
 */
function normalizeSourceMapCommand(mapFile: string): string {
  const script = [
    'const fs = require("node:fs"), path = require("node:path");',
    'const [file, root] = process.argv.slice(1);',
    'const map = JSON.parse(fs.readFileSync(file, "utf8"));',
    'map.sources = map.sources.map((source) => path.relative(root, path.resolve(path.dirname(file), source)).split(path.sep).join("/"));',
    'fs.writeFileSync(file, JSON.stringify(map));',
  ].join(' ');
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  return `node -e ${quote(script)} ${quote(mapFile)} ${quote(PROJECT_ROOT)}`;
}

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'sild') return dir;
    if (path.dirname(dir) === dir) throw new Error(`Sild's package.json was not found above ${from}`);
  }
}

function checkEnvironmentSize(scope: Construct, environment: Record<string, string>): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(environment)) {
    bytes += Buffer.byteLength(key) + (Token.isUnresolved(value) ? TOKEN_ESTIMATE_BYTES : Buffer.byteLength(value));
  }
  if (bytes > ENVIRONMENT_LIMIT_BYTES) {
    Annotations.of(scope).addError(
      `The environment of ${Stack.of(scope).stackName}/${scope.node.id} takes about ${bytes} bytes; Lambda allows ${ENVIRONMENT_LIMIT_BYTES}. Reduce the agency's access rights or services, or move the settings out of the environment.`,
    );
  }
}
