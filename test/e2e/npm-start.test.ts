/**
 * `npm start -- --config FILE` as a user runs it, with an ecosystem unlike the demo's (no tax-board, no access
 * rights): the process starts, writes `.sild/endpoints.json` in its documented shape, prints a curl line that
 * works, and verifies its own demo exchange end to end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEcosystemConfig } from '../../lib/config/ecosystem-config';
import { demoExchangeOf } from '../../lib/local/demo';
import { httpCall } from '../../lib/local/http-call';
import type { LocalRuntimeInfo } from '../../lib/local/runtime-info';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, SignCommand } from '@aws-sdk/client-kms';
import { createAwsClients, type AwsClients } from '../../lambdas/adapters/aws-clients';

const OTHER_ECOSYSTEM = {
  instance: 'LAB',
  memberClasses: ['GOV'],
  central: { account: '111111111111', region: 'eu-west-1' },
  agencies: [
    {
      name: 'customs',
      account: '222222222222',
      region: 'eu-west-1',
      member: { class: 'GOV', code: 'C1', name: 'Customs' },
      subsystems: ['declarations'],
    },
    {
      name: 'ports-authority',
      account: '333333333333',
      region: 'eu-west-1',
      member: { class: 'GOV', code: 'P1', name: 'Ports' },
      subsystems: ['berths'],
    },
  ],
  local: { basePort: 4700, sampleBackendPort: 4780 },
};

describe('npm start -- --config FILE', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sild-start-'));
  });
  const opened: AwsClients[] = [];
  afterAll(() => {
    for (const clients of opened) [clients.dynamodb, clients.kms, clients.s3].forEach((sdk) => sdk.destroy());
    child?.kill('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  });

  test('the demo exchange is derived from the config: an access right when there is one, listMethods otherwise', () => {
    const demo = parseEcosystemConfig(JSON.parse(readFileSync('config/ecosystem.json', 'utf8')), 'demo', 'config');
    expect(demoExchangeOf(demo)).toEqual({
      consumer: 'tax-board',
      provider: 'population-registry',
      client: 'DEV/GOV/70000002/tax-records',
      path: '/r1/DEV/GOV/70000001/population/persons/123',
    });
    // A right on a SOAP service is passed over (the demo speaks REST), wherever it stands.
    const soapFirst = JSON.parse(readFileSync('config/ecosystem.json', 'utf8'));
    soapFirst.agencies[0].accessRights.reverse();
    expect(soapFirst.agencies[0].accessRights[0].service).toBe('population/getPerson');
    expect(demoExchangeOf(parseEcosystemConfig(soapFirst, 'demo', 'config'))?.path).toBe('/r1/DEV/GOV/70000001/population/persons/123');
    expect(demoExchangeOf(parseEcosystemConfig(OTHER_ECOSYSTEM))).toEqual({
      consumer: 'customs',
      provider: 'ports-authority',
      client: 'LAB/GOV/C1/declarations',
      path: '/r1/LAB/GOV/P1/berths/listMethods',
    });
    expect(demoExchangeOf(parseEcosystemConfig({ ...OTHER_ECOSYSTEM, agencies: OTHER_ECOSYSTEM.agencies.slice(0, 1) }))).toBeUndefined();
  });

  test('runs an ecosystem without a tax-board: endpoints file, a working curl line, a verified exchange', async () => {
    const configFile = join(dir, 'lab.json');
    writeFileSync(configFile, JSON.stringify(OTHER_ECOSYSTEM));
    const output: string[] = [];
    child = spawn(process.execPath, [require.resolve('tsx/cli'), 'bin/local.ts', '--config', configFile], {
      env: { ...process.env, SILD_STATE_DIR: join(dir, 'state') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const finished = new Promise<string>((resolve, reject) => {
      const watch = (chunk: Buffer) => {
        output.push(chunk.toString('utf8'));
        const text = output.join('');
        if (text.includes('Serving until Ctrl-C')) resolve(text);
      };
      child!.stdout!.on('data', watch);
      child!.stderr!.on('data', watch);
      child!.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output.join('')}`)));
    });
    const text = await finished;
    expect(text).toContain('Demo exchange verified end to end.');
    expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace

    const endpoints = JSON.parse(readFileSync(join(dir, 'state', 'endpoints.json'), 'utf8'));
    expect(Object.keys(endpoints.agencies)).toEqual(['customs', 'ports-authority']);
    expect(endpoints.central).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);

    // The printed curl line, run as the user would (headers and URL taken from it).
    const curl = /curl -i -H 'X-Road-Client: ([^']+)' (\S+)/.exec(text);
    expect(curl).not.toBeNull();
    const answer = await httpCall(curl![2], { headers: { 'x-road-client': curl![1] } });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString('utf8'))).toHaveProperty('service');

    // Enforced IAM, as a user meets it: the same X-Road-Id twice is 409 (the log record is read back under the
    // consumer's own policies), and a function's credential from local.json gets only what its role may do.
    const once = { 'x-road-client': curl![1], 'x-road-id': 'npm-start-once' };
    expect((await httpCall(curl![2], { headers: once })).status).toBe(200);
    const again = await httpCall(curl![2], { headers: once });
    expect({ status: again.status, type: again.headers['x-road-error'] }).toEqual({ status: 409, type: 'Server.ClientProxy.DuplicateMessageId' });
    const info = JSON.parse(readFileSync(join(dir, 'state', 'local.json'), 'utf8')) as LocalRuntimeInfo;
    expect(Object.keys(info.functions)).toEqual(expect.arrayContaining(['customs/consumer', 'ports-authority/consumer', 'central/publisher']));
    const as = (fn: string) => {
      const clients = createAwsClients({
        region: info.region,
        endpoints: { dynamodb: info.dynamodb, kms: info.kms },
        credentials: info.functions[fn],
        maxAttempts: 1,
      });
      opened.push(clients);
      return clients;
    };
    const customs = as('customs/consumer');
    const portsTable = info.agencies['ports-authority'].table;
    await expect(
      customs.dynamodb.send(new GetItemCommand({ TableName: portsTable, Key: { pk: { S: 'KEYS' }, sk: { S: 'SIGNING' } } })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const portsKey = (await customs.kms.send(new DescribeKeyCommand({ KeyId: info.agencies['ports-authority'].signingKeyId })).catch(() => undefined))
      ?.KeyMetadata?.Arn;
    // Another account's key is not found by its alias (as in KMS); by its ARN, its key policy refuses.
    expect(portsKey).toBeUndefined();
    const operator = createAwsClients({
      region: info.region,
      endpoints: { kms: info.kms },
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    opened.push(operator);
    const portsKeyArn = (await operator.kms.send(new DescribeKeyCommand({ KeyId: info.agencies['ports-authority'].signingKeyId }))).KeyMetadata!.Arn!;
    await expect(
      customs.kms.send(new SignCommand({ KeyId: portsKeyArn, Message: Buffer.alloc(32), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(
      as('ports-authority/consumer').dynamodb.send(
        new PutItemCommand({ TableName: portsTable, Item: { pk: { S: 'CONFIG' }, sk: { S: 'ACCESS-POLICY' } } }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
  }, 120_000);
});
