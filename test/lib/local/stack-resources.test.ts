/**
 * createStackResources promises what the stacks create at deploy time, created in the emulators as the deploying
 * role: the registry and each agency's message-log table, the configuration bucket and each agency's body bucket, and
 * the central's and each agency's signing key behind its alias. A restart on the same state finds them and keeps
 * them (the same keys).
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createAwsClients, type AwsClients } from '../../../lambdas/adapters/aws-clients';
import { LOCAL_CREDENTIALS, startEmulators, type Emulators } from '../../../lib/local/emulators';
import { LOCAL_REGION, signingKeyAlias } from '../../../lib/local/names';
import { createStackResources } from '../../../lib/local/stack-resources';
import { demoConfig } from '../../support/synth';

let emulators: Emulators;
let clients: AwsClients;
beforeAll(async () => {
  emulators = await startEmulators({ region: LOCAL_REGION, account: demoConfig().central.account });
  clients = createAwsClients({
    region: LOCAL_REGION,
    endpoints: { dynamodb: emulators.dynamodbUrl, kms: emulators.kmsUrl, s3: emulators.s3Url },
    credentials: LOCAL_CREDENTIALS,
  });
});
afterAll(async () => {
  clients.kms.destroy();
  clients.dynamodb.destroy();
  clients.s3.destroy();
  await emulators.stop();
});

describe('createStackResources', () => {
  const config = demoConfig();
  const agencies = config.agencies.map((agency) => agency.name);

  test('creates the tables, buckets and signing keys of the central and every agency; a second run keeps them', async () => {
    const keys = await createStackResources(clients, config);
    const tables = (await clients.dynamodb.send(new ListTablesCommand({}))).TableNames!;
    expect(tables.sort()).toEqual(['sild-registry', ...agencies.map((name) => `sild-${name}-message-log`)].sort());
    // The local S3 stores an object only in a bucket that exists (NoSuchBucket otherwise).
    for (const bucket of ['sild-central-globalconf', ...agencies.map((name) => `sild-${name}-bodies`)]) {
      await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'probe', Body: 'x' }));
    }
    for (const [party, keyId] of [['central', keys.central], ...agencies.map((name) => [name, keys.agencies[name]])]) {
      const { KeyMetadata } = await clients.kms.send(new DescribeKeyCommand({ KeyId: signingKeyAlias(party) }));
      expect(KeyMetadata).toMatchObject({ Arn: keyId, KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    }
    expect(await createStackResources(clients, config)).toEqual(keys);
  });
});
