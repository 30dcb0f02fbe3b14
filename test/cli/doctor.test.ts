import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsAccountProbe, BOOTSTRAP_VERSION_PARAMETER } from '../../cli/aws-account-probe';
import { deploymentPlanOf, livePreflight, offlinePreflight, printPreflight, type AccountPreflight } from '../../cli/doctor';
import { startAccountStandIn, type AccountState } from '../support/aws-account-stand-in';

const lines: string[] = [];
const output = { line: (text: string) => lines.push(text), progress: () => undefined };
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sild-doctor-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => lines.splice(0));

/** Descriptions (OpenAPI, WSDL) are read from the config's folder: a copy of the demo config elsewhere names them where they are. */
function namingDescriptionsWhereTheyAre(raw: { agencies: { services?: Record<string, string>[] }[] }): void {
  for (const service of raw.agencies.flatMap((agency) => agency.services ?? [])) {
    for (const field of ['openapi', 'wsdl']) if (service[field]) service[field] = join(process.cwd(), 'config', service[field]);
  }
}

const checkOf = (blocks: readonly AccountPreflight[], account: string, name: string) =>
  blocks.find((block) => block.account === account)!.checks.find((check) => check.name === name)!;

describe('sild doctor (offline)', () => {
  test('the demo ecosystem: one block per account, every one can deploy (exit 0)', () => {
    const blocks = offlinePreflight(deploymentPlanOf('config/ecosystem.json'));
    expect(blocks.map((block) => `${block.account}/${block.region} ${block.parties.join(',')}`)).toEqual([
      '111111111111/eu-north-1 central',
      '222222222222/eu-north-1 gateway population-registry',
      '333333333333/eu-north-1 gateway tax-board',
      '444444444444/eu-north-1 gateway business-registry',
    ]);
    expect(printPreflight(blocks, output)).toBe(0);
    expect(lines.filter((line) => line.includes('[todo] CDK bootstrap'))).toHaveLength(4);
  });

  test('an agency’s own gateway config (examples/agency-app) is a plan of its own', () => {
    const blocks = offlinePreflight(deploymentPlanOf('examples/agency-app/config/gateway.json'));
    expect(blocks.map((block) => block.parties)).toEqual([['gateway vehicle-registry']]);
    expect(printPreflight(blocks, output)).toBe(0);
  });

  test('reservations above the quota less the unreserved minimum: exit 1, naming the account and the sum', () => {
    const raw = JSON.parse(readFileSync('config/ecosystem.json', 'utf8'));
    raw.agencies[1].lambdaConcurrencyQuota = 10;
    raw.agencies[1].concurrency = { consumer: 5 };
    namingDescriptionsWhereTheyAre(raw);
    const file = join(dir, 'over-quota.json');
    writeFileSync(file, JSON.stringify(raw));
    const blocks = offlinePreflight(deploymentPlanOf(file));
    expect(checkOf(blocks, '333333333333', 'Lambda concurrency')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/333333333333.*eu-north-1.*5/),
    });
    expect(printPreflight(blocks, output)).toBe(1);
    expect(lines.at(-1)).toMatch(/cannot deploy as it is: 333333333333\/eu-north-1 Lambda concurrency/);
  });
});

describe('sild doctor --aws, against a stand-in answering as AWS does', () => {
  const state: AccountState = { account: '333333333333', quota: 10, unreserved: 10, parameters: {} };
  let standIn: Awaited<ReturnType<typeof startAccountStandIn>>;
  beforeAll(async () => {
    standIn = await startAccountStandIn(state);
  });
  afterAll(() => standIn.stop());

  async function live(file = 'config/ecosystem.json'): Promise<AccountPreflight[]> {
    const plan = deploymentPlanOf(file);
    const probe = awsAccountProbe({ endpoint: standIn.url, credentials: { accessKeyId: 'AKIAOPERATOR', secretAccessKey: 'x' } });
    try {
      return await livePreflight(offlinePreflight(plan), probe, plan);
    } finally {
      probe.destroy();
    }
  }

  test('a fresh account: quota 10, no logging role, not bootstrapped — the blocking findings, with their fixes', async () => {
    const blocks = await live();
    expect(standIn.calls).toEqual(
      expect.arrayContaining(['sts:GetCallerIdentity', 'lambda:GetAccountSettings', 'apigateway:GetAccount', 'ssm:GetParameter']),
    );
    expect(checkOf(blocks, '333333333333', 'Lambda concurrency (live)')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('the config states 1000: set lambdaConcurrencyQuota to 10'),
    });
    // The demo config states no role, so its REST stages do not log: nothing to fail on a fresh account.
    expect(checkOf(blocks, '333333333333', 'API Gateway logging role')).toMatchObject({
      status: 'ok',
      detail: 'no role, and the REST stages do not log (none needed)',
    });
    expect(checkOf(blocks, '333333333333', 'CDK bootstrap')).toMatchObject({
      status: 'fail',
      fix: 'npx cdk bootstrap aws://333333333333/eu-north-1',
    });
    // Other accounts are not read with these credentials.
    expect(checkOf(blocks, '222222222222', 'live account')).toMatchObject({ detail: 'not read: the credentials are for account 333333333333' });
    expect(printPreflight(blocks, output)).toBe(1);
  });

  test('a config saying the account has an API Gateway logging role it does not have fails (its REST stages could not deploy)', async () => {
    const raw = JSON.parse(readFileSync('config/ecosystem.json', 'utf8'));
    raw.agencies[1].apiGatewayAccountRoleExists = true;
    namingDescriptionsWhereTheyAre(raw);
    const file = join(dir, 'role-claimed.json');
    writeFileSync(file, JSON.stringify(raw));
    expect(checkOf(await live(file), '333333333333', 'API Gateway logging role')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('apiGatewayAccountRole: true'),
    });
  });

  test('a prepared account: quota raised, a logging role, bootstrapped — nothing blocks', async () => {
    Object.assign(state, {
      quota: 1000,
      unreserved: 1000,
      apiGatewayRole: 'arn:aws:iam::333333333333:role/apigw-logs',
      parameters: { [BOOTSTRAP_VERSION_PARAMETER]: '28' },
    });
    const blocks = await live();
    expect(checkOf(blocks, '333333333333', 'CDK bootstrap')).toMatchObject({ status: 'ok', detail: 'bootstrap version 28' });
    expect(checkOf(blocks, '333333333333', 'API Gateway logging role')).toMatchObject({
      status: 'info',
      fix: 'Set apiGatewayAccountRoleExists: true to have them log.',
    });
    expect(printPreflight(blocks, output)).toBe(0);
  });
});
