import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { centralStackName } from '../../lib/stacks/sild-stacks';
import { configWith, demoConfig, IDS, ROOT, synth, temporaryDir, type Synthesized } from '../support/synth';

const demo = synth(demoConfig());
const full = synth(
  configWith((raw) => {
    raw.central.apiUrl = IDS.centralUrl;
    raw.central.configurationUrl = IDS.configurationUrl;
    raw.central.anchorPublicKey = IDS.anchor;
    raw.agencies[0].consumerAccess = { mode: 'private', vpcEndpointIds: [IDS.vpce] };
    raw.agencies[0].vpc = { vpcId: IDS.vpc, subnetIds: IDS.subnets, availabilityZones: ['eu-north-1a', 'eu-north-1b'], executeApiPrivateDns: true };
  }),
);

describe('the Sild app', () => {
  test('one central stack and one stack per agency, with stable names and the config’s accounts and Regions', () => {
    const stacks = demo.assembly.stacks.map((stack) => [
      stack.stackName,
      stack.environment.account,
      stack.environment.region,
      stack.terminationProtection,
    ]);
    expect(stacks.sort()).toEqual([
      ['Sild-DEV-Agency-business-registry', '444444444444', 'eu-north-1', true],
      ['Sild-DEV-Agency-population-registry', '222222222222', 'eu-north-1', true],
      ['Sild-DEV-Agency-tax-board', '333333333333', 'eu-north-1', true],
      ['Sild-DEV-Central', '111111111111', 'eu-north-1', true],
    ]);
    expect(demo.stacks.central.stackName).toBe(centralStackName('DEV'));
  });

  test.each([
    ['demo', demo],
    ['full-featured', full],
  ] as [string, Synthesized][])('the %s config has zero unacknowledged cdk-nag AwsSolutions findings (errors and warnings)', (_name, synthesized) => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(synthesized.app);
    expect(
      report.violations.map(
        (violation) => `${violation.ruleName} at ${violation.violatingResources.map((resource) => resource.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
  });

  // nodejs22.x is deprecated on 2027-04-30 and blocks function updates from about 2027-07-01: no function of the app
  // may stay on it — Sild's own (SildFunction) nor aws-cdk-lib's custom-resource functions (AwsCustomResource, the
  // provider framework), which take the Region's newest runtime from aws-cdk-lib's region facts.
  test('every Lambda function of every stack runs nodejs24.x, the custom-resource frameworks included', () => {
    const runtimes = full.assembly.stacks.flatMap((stack) =>
      Object.values(stack.template.Resources as Record<string, { Type: string; Properties: { Runtime?: string }; Metadata?: Record<string, string> }>)
        .filter((resource) => resource.Type === 'AWS::Lambda::Function')
        .map((resource) => [String(resource.Metadata?.['aws:cdk:path']).split('/').slice(1, -1).join('/'), resource.Properties.Runtime]),
    );
    expect(runtimes.map(([where]) => where)).toEqual(
      expect.arrayContaining(['Default/Registration/Provider/framework-onEvent', 'AWS679f53fac002430cb0da5b7982bd2287']),
    );
    expect(runtimes.filter(([, runtime]) => runtime !== 'nodejs24.x')).toEqual([]);
  });

  test('every acknowledgement states a specific reason', () => {
    const acknowledgements: { path: string; id: string; reason: string }[] = [];
    const visit = (construct: IConstruct) => {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>))
          acknowledgements.push({ path: construct.node.path, id, reason });
      }
      construct.node.children.forEach(visit);
    };
    visit(full.app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const acknowledgement of acknowledgements) {
      expect({ ...acknowledgement, reason: acknowledgement.reason.length >= 60 }).toEqual({ ...acknowledgement, reason: true });
    }
    // No blanket acknowledgements at stack or app level: each sits on the construct it is about.
    expect(acknowledgements.filter((acknowledgement) => !acknowledgement.path.includes('/'))).toEqual([]);
  });

  test('constructs and stacks are deterministic by construction: no clock, randomness or environment reads', () => {
    const sources = ['lib/constructs', 'lib/stacks'].flatMap((dir) =>
      readdirSync(path.join(ROOT, dir))
        .filter((file) => file.endsWith('.ts'))
        .map((file) => ({ file: `${dir}/${file}`, text: readFileSync(path.join(ROOT, dir, file), 'utf8') })),
    );
    expect(sources.length).toBeGreaterThan(5);
    for (const { file, text } of sources) {
      expect({ file, found: text.match(/Date\.now|new Date\(|Math\.random|randomUUID|process\.env|fromLookup|valueFromLookup/g) ?? [] }).toEqual({
        file,
        found: [],
      });
    }
  });
});

describe('bin/app.ts', () => {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const run = (env: Record<string, string>) => {
    const outdir = temporaryDir('sild-bin-');
    const result = spawnSync(tsx, ['bin/app.ts'], {
      cwd: ROOT,
      env: { ...process.env, CDK_OUTDIR: outdir, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { ...result, outdir };
  };
  const badConfig = (change: (raw: any) => void) => {
    const file = path.join(temporaryDir('sild-config-'), 'ecosystem.json');
    const raw = JSON.parse(readFileSync(path.join(ROOT, 'config', 'ecosystem.json'), 'utf8'));
    change(raw);
    writeFileSync(file, JSON.stringify(raw));
    return file;
  };

  test('an invalid config stops synth before any stack is built, naming each field and reason; context beats SILD_CONFIG', () => {
    const fromEnv = badConfig((raw) => (raw.agencies[1].account = '3333'));
    const fromContext = badConfig((raw) => {
      raw.agencies[0].region = 'Europe';
      raw.agencies[2].subsystems = [];
    });
    const result = run({ SILD_CONFIG: fromEnv, CDK_CONTEXT_JSON: JSON.stringify({ 'sild:config': fromContext }) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Invalid ecosystem config ${fromContext}`);
    expect(result.stderr).toContain('agencies.0.region: "Europe" is not an AWS Region aws-cdk-lib knows');
    expect(result.stderr).toMatch(/agencies\.2\.subsystems: /);
    expect(result.stderr).not.toContain('at '); // a message, not a stack trace
    expect(existsSync(path.join(result.outdir, 'manifest.json'))).toBe(false);

    const envOnly = run({ SILD_CONFIG: fromEnv });
    expect(envOnly.status).toBe(1);
    expect(envOnly.stderr).toContain('agencies.1.account: must be a 12-digit AWS account id');
  });
});
