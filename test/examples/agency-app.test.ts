/**
 * The example agency app (`examples/agency-app`): an agency's own CDK app that knows Sild only through the
 * package's entry point. Built and synthesized here as an agency would (`npm run build`, then `npm run synth` in
 * the app), offline; and the package `npm pack` would produce carries what that needs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topicPoliciesCloudWatchCannotPublish } from '../support/synth';
import { rateLimitsFor } from '../support/waf';

const APP = join(__dirname, '..', '..', 'examples', 'agency-app');
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' } });

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

describe('examples/agency-app', () => {
  let outdir: string;
  let template: Template;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'sild-agency-app-'));
    npm(['run', 'build'], join(APP, '..', '..'));
    npm(['run', 'synth', '--', '--output', outdir], APP);
    template = JSON.parse(readFileSync(join(outdir, 'VehicleRegistry-SildGateway.template.json'), 'utf8'));
  }, 180_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  const resources = (type: string) => Object.values(template.Resources).filter((resource) => resource.Type === type);

  test('imports nothing from Sild but the package entry point, and typechecks against its declarations', () => {
    const source = readFileSync(join(APP, 'bin', 'agency-app.ts'), 'utf8');
    expect([...source.matchAll(/from '([^']+)'/g)].map((match) => match[1]).sort()).toEqual(['aws-cdk-lib', 'sild']);
    expect(require.resolve('sild', { paths: [APP] })).toBe(join(APP, '..', '..', 'dist', 'lib', 'index.js'));
    npm(['run', 'typecheck'], APP);
  }, 60_000);

  test('synthesizes the agency’s gateway from its own config: key, log, functions bundled from the package, its rights', () => {
    expect(resources('AWS::KMS::Key')).toEqual([
      expect.objectContaining({ Properties: expect.objectContaining({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }) }),
    ]);
    expect(resources('AWS::DynamoDB::Table')).toHaveLength(1);
    const functions = resources('AWS::Lambda::Function').filter((fn) => String(fn.Properties.Description ?? '').startsWith('Sild'));
    expect(functions.map((fn) => [fn.Properties.Description, fn.Properties.Runtime])).toEqual([
      ['Sild DEV: gateway vehicle-registry, consumer side', 'nodejs24.x'],
      ['Sild DEV: gateway vehicle-registry, provider side', 'nodejs24.x'],
      ['Sild DEV: gateway vehicle-registry, message-log sealer', 'nodejs24.x'],
      ['Sild DEV: gateway vehicle-registry, canary', 'nodejs24.x'],
      ['Sild: registers gateway vehicle-registry with the central registry (custom resource)', 'nodejs24.x'],
    ]);
    // aws-cdk-lib's own functions (the provider framework, AwsCustomResource) run the Region's newest runtime too.
    expect(new Set(resources('AWS::Lambda::Function').map((fn) => fn.Properties.Runtime))).toEqual(new Set(['nodejs24.x']));
    // The access right the agency decided on is in its own table, visible in `cdk diff`.
    expect(JSON.stringify(resources('Custom::SildAccessPolicy'))).toContain('DEV/GOV/70000002/tax-records');
    // It registers with the central named in its config.
    expect(JSON.stringify(resources('Custom::SildGatewayRegistration'))).toContain('https://central.sild.example.gov/prod/');
    // A new account (Lambda concurrency quota 10) can take it: no function reserves concurrency.
    expect(
      resources('AWS::Lambda::Function')
        .map((fn) => fn.Properties.ReservedConcurrentExecutions)
        .filter((reserved) => reserved !== undefined),
    ).toEqual([]);
    // Its alarms can notify (a topic policy replaces SNS's default one).
    expect(resources('AWS::SNS::TopicPolicy')).toHaveLength(1);
    expect(topicPoliciesCloudWatchCannotPublish(template)).toEqual([]);
  });

  test('its provider API lets a peer gateway’s address through at 100 messages a second (30,000 per 5 minutes) and holds unsigned requests to the strict limit', () => {
    const [acl] = resources('AWS::WAFv2::WebACL');
    const path = '/prod/r1/DEV/GOV/70000005/vehicles/owners/1';
    const signed = rateLimitsFor(acl, { path, headers: { 'x-sild-manifest': 'eyJ2IjoxfQ==', 'x-sild-signature': 'MEUCIQ==' } });
    expect(Math.min(...Object.values(signed))).toBeGreaterThanOrEqual(30_000);
    expect(rateLimitsFor(acl, { path })).toEqual({ RateLimitPerIp: 3000 });
  });

  test('npm pack ships compiled JS, declarations and the Lambda sources the constructs bundle — not tests or local state', () => {
    const [pack] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], join(APP, '..', '..'))) as { files: { path: string }[] }[];
    const files = pack.files.map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/lib/index.js',
        'dist/lib/index.d.ts',
        'dist/lib/constructs/sild-gateway.d.ts',
        'lambdas/gateway/consumer.ts',
        'lambdas/gateway/provider.ts',
        'lambdas/gateway/sealer.ts',
        'lambdas/gateway/registrar-resource.ts',
        'lambdas/central/index.ts',
      ]),
    );
    expect(files.filter((file) => /^(test|examples|config|\.sild|cdk\.out|node_modules)\//.test(file))).toEqual([]);
  });
});
