/**
 * 10. What runs locally is what deploys: every AWS call a Sild function makes is authorized with its role's policies
 * as synthesized for the same config (and the resource's own policy), so a missing or wrong grant fails here as it
 * would in AWS. Each function is its own principal (`.sild/local.json` `functions`).
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand } from '@aws-sdk/client-dynamodb-streams';
import { SignCommand } from '@aws-sdk/client-kms';
import { Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { createAwsClients, type AwsClients } from '../../lambdas/adapters/aws-clients';
import { LOCAL_REGION, messageLogTableName } from '../../lib/local/ecosystem';
import type { FaultAnswer } from '../../lib/local/fault-proxy';
import type { DerivedStacks } from '../../lib/local/iam/derive';
import { localRuntimeInfo } from '../../lib/local/runtime-info';
import { bodyBucketName, configurationBucketName } from '../../lib/local/names';
import { httpCall } from '../../lib/local/http-call';
import { CURRENT_CONFIGURATION_KEY } from '../../lambdas/adapters/s3-configuration-distribution';
import { callerPrincipal } from '../../lib/local/iam/local-iam';
import { rejectionOf, thrownBy } from '../support/assertions';
import { signedGet } from '../support/signed-get';
import { expectXRoadError, PERSONS, startTestEcosystem, TAX_CLIENT, testConfig, type TestEcosystem } from '../e2e/fixture';

const client = { 'x-road-client': TAX_CLIENT };
let eco: TestEcosystem;
const opened: AwsClients[] = [];

beforeAll(async () => {
  eco = await startTestEcosystem();
});
afterAll(async () => {
  for (const clients of opened) [clients.dynamodb, clients.kms, clients.s3, clients.dynamodbStreams].forEach((sdk) => sdk.destroy());
  await eco?.stop();
});

/** SDK clients with a function's own credentials, as `.sild/local.json` lists them. */
function clientsOf(fn: string): AwsClients {
  const { accessKeyId, secretAccessKey } = localRuntimeInfo(eco).functions[fn];
  const clients = createAwsClients({
    region: LOCAL_REGION,
    endpoints: { dynamodb: eco.emulatorEndpoints.dynamodbUrl, kms: eco.emulatorEndpoints.kmsUrl, s3: eco.emulatorEndpoints.s3Url },
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
  opened.push(clients);
  return clients;
}

const deniedAs = (error: unknown) => ({ name: (error as Error).name, message: (error as Error).message });

describe('every function is its own principal, with its role’s policies', () => {
  test('local.json lists a principal per function, each with the role it stands for; none is the operator', () => {
    const { functions } = localRuntimeInfo(eco);
    expect(Object.keys(functions).sort()).toEqual(
      [
        'central/central',
        'central/publisher',
        ...['business-registry', 'population-registry', 'tax-board'].flatMap((agency) =>
          ['canary', 'consumer', 'provider', 'registrar', 'sealer'].map((fn) => `${agency}/${fn}`),
        ),
      ].sort(),
    );
    expect(functions['tax-board/consumer'].roleLogicalId).toMatch(/^ConsumerFunctionRole[0-9A-F]{8}$/);
    expect(new Set(Object.values(functions).map((fn) => fn.accessKeyId)).size).toBe(Object.keys(functions).length);
    expect(Object.values(functions).map((fn) => fn.accessKeyId)).not.toContain('local');
  });

  test('tax-board’s consumer may not read population-registry’s log, sign with its key or read its bodies', async () => {
    const tax = clientsOf('tax-board/consumer');
    const read = await rejectionOf(
      tax.dynamodb.send(
        new GetItemCommand({ TableName: messageLogTableName('population-registry'), Key: { pk: { S: 'KEYS' }, sk: { S: 'SIGNING' } } }),
      ),
    );
    expect(deniedAs(read)).toEqual({
      name: 'AccessDeniedException',
      message: expect.stringMatching(
        /^User: arn:aws:sts::333333333333:assumed-role\/sild-tax-board-consumer\/local is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:eu-north-1:222222222222:table\/sild-population-registry-message-log because no identity-based policy allows the dynamodb:GetItem action$/,
      ),
    });
    const populationKey = eco.agencies['population-registry'].deployment.signingKeyId;
    const sign = await rejectionOf(
      tax.kms.send(new SignCommand({ KeyId: populationKey, Message: Buffer.alloc(32), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' })),
    );
    expect(deniedAs(sign)).toEqual({
      name: 'AccessDeniedException',
      message: expect.stringContaining('is not authorized to perform: kms:Sign on resource: arn:aws:kms:eu-north-1:222222222222:key/'),
    });
    const body = await rejectionOf(tax.s3.send(new GetObjectCommand({ Bucket: bodyBucketName('population-registry'), Key: 'log/anything' })));
    expect((body as { $metadata?: { httpStatusCode?: number }; name: string }).name).toBe('AccessDenied');
    expect((body as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(403);
  });

  test('a consumer may not write a deployment (CONFIG) item, nor the sealer a log record', async () => {
    const put = (fn: string, pk: string) =>
      rejectionOf(
        clientsOf(fn).dynamodb.send(
          new PutItemCommand({ TableName: messageLogTableName('population-registry'), Item: { pk: { S: pk }, sk: { S: 'x' } } }),
        ),
      );
    expect(deniedAs(await put('population-registry/consumer', 'CONFIG'))).toEqual({
      name: 'AccessDeniedException',
      message: expect.stringContaining('dynamodb:PutItem'),
    });
    expect(deniedAs(await put('population-registry/sealer', `${TAX_CLIENT} forged`))).toEqual({
      name: 'AccessDeniedException',
      message: expect.stringContaining('sild-population-registry-sealer'),
    });
  });

  test('its own grants hold: the consumer reads its key ring and signs with its own key', async () => {
    const tax = clientsOf('tax-board/consumer');
    await expect(
      tax.dynamodb.send(new GetItemCommand({ TableName: messageLogTableName('tax-board'), Key: { pk: { S: 'KEYS' }, sk: { S: 'SIGNING' } } })),
    ).resolves.toBeDefined();
    const own = eco.agencies['tax-board'].deployment.signingKeyId;
    await expect(
      tax.kms.send(new SignCommand({ KeyId: own, Message: Buffer.alloc(32), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' })),
    ).resolves.toMatchObject({ KeyId: own });
  });
});

describe('the log’s stream is read as an event source mapping reads it: every Streams call authorized with the reader’s role', () => {
  const streamOf = async (fn: string, agency: string) => {
    const { Streams } = await clientsOf(fn).dynamodbStreams.send(new ListStreamsCommand({ TableName: messageLogTableName(agency) }));
    return Streams![0].StreamArn!;
  };

  test('the sealer describes and reads its own table’s stream, which holds the records the exchange wrote', async () => {
    expect((await eco.call(`${PERSONS}/123`, { headers: { ...client, 'x-road-id': 'streamed-once' } })).status).toBe(200);
    const sealer = clientsOf('population-registry/sealer').dynamodbStreams;
    const arn = await streamOf('population-registry/sealer', 'population-registry');
    expect(arn).toMatch(/^arn:aws:dynamodb:eu-north-1:222222222222:table\/sild-population-registry-message-log\/stream\//);
    const { StreamDescription } = await sealer.send(new DescribeStreamCommand({ StreamArn: arn }));
    const keys: string[] = [];
    for (const shard of StreamDescription!.Shards!) {
      const { ShardIterator } = await sealer.send(
        new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      const { Records } = await sealer.send(new GetRecordsCommand({ ShardIterator }));
      keys.push(
        ...(Records ?? [])
          .filter((record) => record.eventName === 'INSERT')
          .map((record) => `${record.dynamodb!.Keys!.pk.S} ${record.dynamodb!.Keys!.sk.S}`),
      );
    }
    expect(keys).toEqual(expect.arrayContaining([`${TAX_CLIENT} streamed-once provider#request`, `${TAX_CLIENT} streamed-once provider#response`]));
  });

  test('the consumer may not read its gateway’s stream, nor a sealer another gateway’s (AccessDeniedException, as DynamoDB Streams answers)', async () => {
    const own = await streamOf('population-registry/sealer', 'population-registry');
    const consumer = await rejectionOf(clientsOf('population-registry/consumer').dynamodbStreams.send(new DescribeStreamCommand({ StreamArn: own })));
    expect(deniedAs(consumer)).toEqual({
      name: 'AccessDeniedException',
      message: expect.stringMatching(
        /sild-population-registry-consumer\/local is not authorized to perform: dynamodb:DescribeStream on resource: .*\/stream\//,
      ),
    });
    const other = await streamOf('population-registry/sealer', 'tax-board');
    const foreign = await rejectionOf(clientsOf('population-registry/sealer').dynamodbStreams.send(new DescribeStreamCommand({ StreamArn: other })));
    expect(deniedAs(foreign)).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('sild-tax-board-message-log/stream/'),
    });
  });
});

describe('the grants the exchange needs, under enforcement', () => {
  test('the same X-Road-Id twice from the same client: the second answers 409 DuplicateMessageId (the log record is read back)', async () => {
    expect((await eco.call(`${PERSONS}/123`, { headers: { ...client, 'x-road-id': 'enforced-once' } })).status).toBe(200);
    expectXRoadError(
      await eco.call(`${PERSONS}/123`, { headers: { ...client, 'x-road-id': 'enforced-once' } }),
      409,
      'Server.ClientProxy.DuplicateMessageId',
    );
  });

  test('a write whose answer was lost is retried and recognised as its own (read back), not a duplicate', async () => {
    const lost: FaultAnswer = {
      status: 500,
      type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
      message: 'Internal server error',
      afterForwarding: true,
    };
    let remaining = 1;
    eco.dynamodb.setRule((call) =>
      call.body.TableName === messageLogTableName('population-registry') && call.target.endsWith('.PutItem') && remaining-- > 0 ? lost : undefined,
    );
    try {
      expect((await eco.call(`${PERSONS}/123`, { headers: { ...client, 'x-road-id': 'enforced-lost-answer' } })).status).toBe(200);
    } finally {
      eco.dynamodb.setRule(undefined);
    }
  });
});

describe('S3 answers a missing key 404 only to a caller who may list the bucket (403 to others)', () => {
  test('the central function may list its configuration bucket (404 NoSuchKey); a consumer may not list its body store (403)', async () => {
    const central = await rejectionOf(
      clientsOf('central/central').s3.send(new GetObjectCommand({ Bucket: configurationBucketName, Key: 'globalconf/v/999999.json' })),
    );
    expect((central as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(404);
    expect((central as Error).name).toBe('NoSuchKey');
    const consumer = await rejectionOf(
      clientsOf('tax-board/consumer').s3.send(new GetObjectCommand({ Bucket: bodyBucketName('tax-board'), Key: 'log/missing' })),
    );
    expect({ name: (consumer as Error).name, status: (consumer as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode }).toEqual({
      name: 'AccessDenied',
      status: 403,
    });
  });

  test('before the first publication (no current.json) GET /globalconf publishes one and answers it, rather than 503', async () => {
    expect(await withoutCurrentConfiguration(eco)).toMatchObject({ status: 200, published: true });
  });
});

/** Takes `current.json` out of the bucket (as before the first publication) and asks the central for the configuration. */
async function withoutCurrentConfiguration(ecosystem: TestEcosystem): Promise<{ status: number; published: boolean; body: string }> {
  const key = `${configurationBucketName}/${CURRENT_CONFIGURATION_KEY}`;
  ecosystem.emulators!.s3.objects.delete(key);
  // Past what the central function may hold in memory: it reads the bucket.
  ecosystem.clock.advance(61_000);
  const answer = await httpCall(`${ecosystem.centralUrl}/globalconf`);
  return { status: answer.status, published: ecosystem.emulators!.s3.objects.has(key), body: answer.body.toString('utf8') };
}

describe('the suite catches a missing grant', () => {
  test('with the consumer’s read-back grant taken out of its template (the grant of before), a replayed X-Road-Id fails with AccessDenied in the log cause', async () => {
    const causes: string[] = [];
    const mutated = await startTestEcosystem({
      adjustStacks: withoutRecordReads('tax-board'),
      events: (event, fields) => causes.push(`${event} ${causeChain(fields.cause)}`),
    });
    try {
      expect((await mutated.call(`${PERSONS}/123`, { headers: { ...client, 'x-road-id': 'mutated-once' } })).status).toBe(200);
      expectXRoadError(
        await mutated.call(`${PERSONS}/123`, { headers: { ...client, 'x-road-id': 'mutated-once' } }),
        503,
        'Server.ClientProxy.LoggingFailed',
      );
      expect(causes.join('\n')).toMatch(
        /consumer-request-failed .*AccessDeniedException: User: arn:aws:sts::333333333333:assumed-role\/sild-tax-board-consumer\/local is not authorized to perform: dynamodb:GetItem/,
      );
    } finally {
      await mutated.stop();
    }
  }, 60_000);
});

describe('the suite catches a missing grant: s3:ListBucket on the configuration bucket', () => {
  test('without it, the central answers GET /globalconf before the first publication 503 (S3 answered 403), as it did in AWS', async () => {
    const mutated = await startTestEcosystem({ adjustStacks: withoutConfigurationListing() });
    try {
      expect(await withoutCurrentConfiguration(mutated)).toMatchObject({
        status: 503,
        published: false,
        body: expect.stringContaining('Server.ClientProxy.DatabaseError'),
      });
    } finally {
      await mutated.stop();
    }
  }, 60_000);
});

describe('the suite catches a missing grant: the sealer’s stream read', () => {
  test('with its stream grant pointed at the table instead of the stream, sealing fails with AccessDenied (and the gateway would fail closed)', async () => {
    const mutated = await startTestEcosystem({ adjustStacks: withoutStreamRead('population-registry') });
    try {
      expect((await mutated.call(`${PERSONS}/123`, { headers: client })).status).toBe(200);
      mutated.clock.advance(120_000);
      const failure = await rejectionOf(mutated.agencies['population-registry'].seal());
      expect(causeChain(failure)).toMatch(
        /stream could not be read.*AccessDeniedException: User: arn:aws:sts::222222222222:assumed-role\/sild-population-registry-sealer\/local is not authorized to perform: dynamodb:DescribeStream/,
      );
      expect(await mutated.agencies['population-registry'].deps.seals.latestSeal()).toBeUndefined();
    } finally {
      await mutated.stop();
    }
  }, 60_000);
});

describe('IAM consumer access: an HTTP API has no resource policy', () => {
  const OTHER = 'arn:aws:iam::999999999999:role/elsewhere';
  const withTaxConsumers = (principals: { arn: string; subsystems: string[] }[]) =>
    testConfig((raw) => {
      const tax = raw.agencies.find((agency) => agency.name === 'tax-board') as unknown as Record<string, unknown>;
      tax.consumerAccess = { mode: 'iam', principals };
    });

  test('a config naming a principal of another account is refused before anything starts, naming the principal and both accounts', () => {
    expect(thrownBy(() => withTaxConsumers([{ arn: OTHER, subsystems: ['tax-records'] }]))).toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining(
        `agencies.1.consumerAccess.principals.0.arn: ${OTHER} is in account 999999999999, not tax-board's account 333333333333`,
      ),
    });
  });

  test('a principal of another account (one no config may name) is refused by the API front (403); the agency’s own principal is admitted', async () => {
    const withIam = await startTestEcosystem({
      config: withTaxConsumers([{ arn: 'arn:aws:iam::333333333333:role/tax-app', subsystems: ['tax-records'] }]),
    });
    try {
      const url = `${withIam.agencies['tax-board'].consumerUrl}${PERSONS}/123`;
      // A caller IAM knows, whose own policy allows invoking any API: only the API's account stands in its way.
      const stranger = { accessKeyId: 'AKIALOCALSTRANGER999', secretAccessKey: 'stranger-secret' };
      withIam.emulators!.iam.addCallers([callerPrincipal(OTHER, stranger)]);
      const refused = await signedGet(url, stranger, TAX_CLIENT);
      expect({ status: refused.status, body: refused.json() }).toEqual({ status: 403, body: { message: 'Forbidden' } });
      const [own] = withIam.agencies['tax-board'].consumerCredentials;
      expect((await signedGet(url, own, TAX_CLIENT)).status).toBe(200);
    } finally {
      await withIam.stop();
    }
  }, 60_000);
});

/** The central functions' grants without `s3:ListBucket` (what they had before enforcement found the gap). */
function withoutConfigurationListing(): (stacks: DerivedStacks) => void {
  return ({ central }) => {
    for (const fn of ['CentralFunctionRole', 'PublisherFunctionRole']) {
      const policy = central.central.node.findChild(fn).node.findChild('DefaultPolicy') as iam.Policy;
      const statements = (Stack.of(policy).resolve(policy.document) as { Statement: { Action: string | string[] }[] }).Statement;
      const index = statements.findIndex((statement) => [statement.Action].flat().includes('s3:ListBucket'));
      (policy.node.defaultChild as iam.CfnPolicy).addPropertyOverride(`PolicyDocument.Statement.${index}.Action`, 's3:GetObject');
    }
  };
}

/** The consumer's GetItem back to the grant it had before enforcement found the gap: the key ring and kept configurations only. */
function withoutRecordReads(agency: string): (stacks: DerivedStacks) => void {
  return ({ agencies }) => {
    const stack = agencies[agency];
    const policy = stack.gateway.node.findChild('ConsumerFunctionRole').node.findChild('DefaultPolicy') as iam.Policy;
    const statements = (Stack.of(policy).resolve(policy.document) as { Statement: { Action: string | string[] }[] }).Statement;
    const index = statements.findIndex((statement) => [statement.Action].flat().includes('dynamodb:GetItem'));
    (policy.node.defaultChild as iam.CfnPolicy).addPropertyOverride(`PolicyDocument.Statement.${index}.Condition`, {
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['KEYS', 'GLOBALCONF'] },
    });
  };
}

/** The sealer's stream grant on the table's ARN rather than its stream's (a mistake the templates could make). */
function withoutStreamRead(agency: string): (stacks: DerivedStacks) => void {
  return ({ agencies }) => {
    const stack = agencies[agency];
    const policy = stack.gateway.node.findChild('SealerFunctionRole').node.findChild('DefaultPolicy') as iam.Policy;
    const statements = (Stack.of(policy).resolve(policy.document) as { Statement: { Action: string | string[] }[] }).Statement;
    const index = statements.findIndex((statement) => [statement.Action].flat().includes('dynamodb:GetRecords'));
    (policy.node.defaultChild as iam.CfnPolicy).addPropertyOverride(
      `PolicyDocument.Statement.${index}.Resource`,
      Stack.of(policy).resolve(stack.gateway.messageLog.table.tableArn),
    );
  };
}

function causeChain(error: unknown): string {
  const parts: string[] = [];
  for (let cause = error; cause instanceof Error && parts.length < 5; cause = cause.cause) parts.push(`${cause.name}: ${cause.message}`);
  return parts.join(' <- ');
}
