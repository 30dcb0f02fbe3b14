/**
 * Synthesizes the Sild app for template tests: the same feature flags as `cdk.json`, the same stacks and cdk-nag
 * plugin as `bin/app.ts`, one synth per config (templates are read from the assembly, not re-synthesized per
 * assertion). Bundling and the built-in CloudFormation validation are off unless a test is about them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { DEFAULT_CONFIG_PATH, loadEcosystemConfig, parseEcosystemConfig, type EcosystemConfig } from '../../lib/config/ecosystem-config';
import { addSildStacks, type SildStacks } from '../../lib/stacks/sild-stacks';

export const ROOT = path.resolve(__dirname, '..', '..');

/** Temporary folders of this test file, removed after its tests. */
const temporaryDirs: string[] = [];
export function temporaryDir(prefix = 'sild-infra-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}
afterAll(() => temporaryDirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const CDK_CONTEXT: Record<string, unknown> = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context;

export const demoConfig = (): EcosystemConfig => loadEcosystemConfig(path.join(ROOT, DEFAULT_CONFIG_PATH));

/** The demo config as raw JSON, changed by `change`, then validated like any config. */
export function configWith(change: (raw: any) => void): EcosystemConfig {
  const raw = JSON.parse(readFileSync(path.join(ROOT, DEFAULT_CONFIG_PATH), 'utf8'));
  change(raw);
  return parseEcosystemConfig(raw, 'test config', path.join(ROOT, 'config'));
}

/** An agency's own gateway config with nothing optional set, the central known (a fresh object each call). */
export const minimalGatewayConfig = () => ({
  instance: 'EE',
  name: 'vehicle-registry',
  account: '555555555555',
  region: 'eu-north-1',
  member: { class: 'GOV', code: '70000009', name: 'Vehicle Registry' },
  subsystems: ['vehicles'],
  central: { url: IDS.centralUrl, anchor: IDS.anchor } as Record<string, string | undefined>,
});

/** Realistic resource ids (CloudFormation validates their format). */
export const IDS = {
  vpc: 'vpc-0a1b2c3d4e5f60718',
  subnets: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b1b2c3d4e5f60718'],
  securityGroup: 'sg-0a1b2c3d4e5f60718',
  vpce: 'vpce-0a1b2c3d4e5f60718',
  centralUrl: 'https://abc123defg.execute-api.eu-north-1.amazonaws.com/prod/',
  configurationUrl: 'https://d111111abcdef8.cloudfront.net/globalconf/current.json',
  anchor: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE5v9X0ZrJcwIe+dQT+Zifyw5H85dwPP6xvNzAYWq/05acacEsSwaYly+JSYddQGDr8TkwuhRa450x7A+3lASvVg==',
};

export interface Synthesized {
  readonly app: App;
  readonly stacks: SildStacks;
  readonly assembly: CloudAssembly;
  template(stackName: string): Template;
  templateJson(stackName: string): any;
  /** Warning and error messages of one stack, as text. */
  messages(stackName: string, level?: 'warning' | 'error'): string[];
}

export interface SynthOptions {
  /** Bundle the functions with esbuild. @default false */
  readonly bundle?: boolean;
  /** Where the cloud assembly goes. @default a fresh temporary folder */
  readonly outdir?: string;
}

export function synth(config: EcosystemConfig, options: SynthOptions = {}): Synthesized {
  const app = new App({
    outdir: options.outdir ?? temporaryDir(),
    builtinCloudFormationValidation: false,
    analyticsReporting: false,
    stackTraces: false,
    context: { ...CDK_CONTEXT, 'aws:cdk:enable-path-metadata': true, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const stacks = addSildStacks(app, config);
  const assembly = app.synth();
  return {
    app,
    stacks,
    assembly,
    templateJson: (stackName) => assembly.getStackByName(stackName).template,
    template: (stackName) => Template.fromJSON(assembly.getStackByName(stackName).template),
    messages: (stackName, level = 'warning') =>
      assembly
        .getStackByName(stackName)
        .messages.filter((message) => message.level === level)
        .map((message) => String(message.entry.data)),
  };
}

/** Resources of one type in a template, by logical id. */
export function resourcesOfType(template: any, type: string): Record<string, any> {
  return Object.fromEntries(Object.entries(template.Resources as Record<string, any>).filter(([, resource]) => resource.Type === type));
}

/** The single resource whose `aws:cdk:path` ends with `pathSuffix`. */
export function resourceAt(template: any, pathSuffix: string): { logicalId: string; resource: any } {
  const found = Object.entries(template.Resources as Record<string, any>).filter(([, resource]) =>
    String(resource.Metadata?.['aws:cdk:path'] ?? '').endsWith(pathSuffix),
  );
  if (found.length !== 1) throw new Error(`Expected one resource at ${pathSuffix}, found ${found.length}`);
  return { logicalId: found[0][0], resource: found[0][1] };
}

/**
 * The SDK call of an `AwsCustomResource` phase (`Create`/`Update`): CloudFormation gets it as a JSON string joined
 * around tokens; each token (a table name…) is replaced by `placeholder`.
 */
export function customResourceCall(resource: any, phase: 'Create' | 'Update', placeholder = 'TOKEN'): any {
  const value = resource.Properties[phase];
  const text =
    typeof value === 'string' ? value : (value['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : placeholder)).join('');
  return JSON.parse(text);
}

/**
 * An empty stack for one construct's tests: the app's feature flags, path metadata on, no bundling (unless
 * `bundle`), in a fixed account and Region. Synthesize with `Template.fromStack(stack)`.
 */
export function constructStack(options: SynthOptions = {}): { app: App; stack: Stack } {
  const app = new App({
    outdir: options.outdir ?? temporaryDir('sild-construct-'),
    builtinCloudFormationValidation: false,
    analyticsReporting: false,
    stackTraces: false,
    context: { ...CDK_CONTEXT, 'aws:cdk:enable-path-metadata': true, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  return { app, stack: new Stack(app, 'Test', { env: { account: '555555555555', region: 'eu-north-1' } }) };
}

/** Warning or error messages a synthesized stack carries, as text. */
export function stackMessages(app: App, stack: Stack, level: 'warning' | 'error' = 'warning'): string[] {
  return app
    .synth()
    .getStackByName(stack.stackName)
    .messages.filter((message) => message.level === level)
    .map((message) => String(message.entry.data));
}

/** The KMS keys a role may sign with: the resources of its policies' `kms:Sign` statements. */
export function signableKeysOf(template: any, roleLogicalId: string): unknown[] {
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((ref: { Ref: string }) => ref.Ref === roleLogicalId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .filter((statement: { Action: string | string[] }) => [statement.Action].flat().includes('kms:Sign'))
    .flatMap((statement: { Resource: unknown }) => [statement.Resource].flat());
}

/**
 * The SNS topic policies of a template that do not let CloudWatch alarms publish (a topic policy replaces SNS's
 * default one, so a policy without this Allow silences every alarm notifying its topics), by logical id.
 */
export function topicPoliciesCloudWatchCannotPublish(template: any): string[] {
  return Object.entries(resourcesOfType(template, 'AWS::SNS::TopicPolicy'))
    .filter(
      ([, policy]) =>
        !(policy.Properties.PolicyDocument.Statement as { Effect: string; Principal?: { Service?: unknown }; Action: string | string[] }[]).some(
          (statement) =>
            statement.Effect === 'Allow' &&
            [statement.Principal?.Service].flat().includes('cloudwatch.amazonaws.com') &&
            [statement.Action].flat().includes('sns:Publish'),
        ),
    )
    .map(([logicalId]) => logicalId);
}

/**
 * Alarms on metric math (by logical id) with an operand that is neither filled (`FILL(id, 0)`) nor a guarded divisor
 * (`IF(id > 0, …)`): sparse metrics have no point in periods where nothing happened, and metric math has no result
 * there, so such an alarm sees data only when every operand reported.
 */
export function mathAlarmsWithUnfilledOperands(template: any): string[] {
  return Object.entries(resourcesOfType(template, 'AWS::CloudWatch::Alarm'))
    .filter(([, alarm]) => {
      const entries = (alarm.Properties.Metrics ?? []) as { Id: string; Expression?: string; MetricStat?: unknown }[];
      const expressions = entries.filter((entry) => entry.Expression !== undefined).map((entry) => entry.Expression!);
      return entries
        .filter((entry) => entry.MetricStat)
        .some(
          (entry) => !expressions.some((expression) => expression.includes(`FILL(${entry.Id}, 0)`) || expression.includes(`IF(${entry.Id} > 0,`)),
        );
    })
    .map(([logicalId]) => logicalId);
}
