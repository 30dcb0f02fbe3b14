/**
 * The `ConfigurationArchive` contract against `DynamoDbConfigurationArchive` (dynalite, a new table per test; a
 * federated instance's archive on the same table, as the gateways keep it) and `MemoryConfigurationArchive`.
 */
import { gunzipSync } from 'node:zlib';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbConfigurationArchive } from '../../lambdas/adapters/dynamodb-configuration-archive';
import { latestConfigurationKey, MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import { MemoryConfigurationArchive } from '../support/memory-adapters';
import { configuration, describeConfigurationArchiveContract } from './configuration-archive.contract';
import { dynamoDbForFile, freshTable, MISSING_TABLE } from './contract-support';

const dynamoDb = dynamoDbForFile();

describeConfigurationArchiveContract('DynamoDbConfigurationArchive', {
  make: async () => {
    const table = await freshTable(dynamoDb.clients, MESSAGE_LOG_TABLE);
    return { open: (instance) => new DynamoDbConfigurationArchive(dynamoDb.clients.dynamodb, table, instance) };
  },
  unavailable: { make: () => new DynamoDbConfigurationArchive(dynamoDb.clients.dynamodb, MISSING_TABLE), fails: ['latest', 'keep', 'history'] },
});

describeConfigurationArchiveContract('MemoryConfigurationArchive', {
  make: async () => {
    const archives = new Map<string | undefined, MemoryConfigurationArchive>();
    return { open: (instance) => archives.get(instance) ?? archives.set(instance, new MemoryConfigurationArchive()).get(instance)! };
  },
  unavailable: {
    make: () => Object.assign(new MemoryConfigurationArchive(), { failing: { reads: true, writes: true } }),
    fails: ['latest', 'keep', 'history'],
  },
});

describe('DynamoDbConfigurationArchive items (issue 25)', () => {
  test('the configuration is kept gzipped in a binary attribute; items written before (JSON text) still read', async () => {
    const table = await freshTable(dynamoDb.clients, MESSAGE_LOG_TABLE);
    const archive = new DynamoDbConfigurationArchive(dynamoDb.clients.dynamodb, table);
    await archive.keep({ version: 4, signed: configuration(4), keySetId: 'k1' });
    const item = (await dynamoDb.clients.dynamodb.send(new GetCommand({ TableName: table, Key: latestConfigurationKey() }))).Item!;
    expect(item.signed).toBeUndefined();
    expect(JSON.parse(gunzipSync(item.signedGz as Uint8Array).toString('utf8'))).toEqual(configuration(4));
    await dynamoDb.clients.dynamodb.send(
      new PutCommand({ TableName: table, Item: { ...latestConfigurationKey(), version: 5, signed: JSON.stringify(configuration(5)) } }),
    );
    expect(await archive.latest()).toEqual(configuration(5));
  });

  test('keySetKept: no history write (a conditional put that changes nothing is billed as a write)', async () => {
    const table = await freshTable(dynamoDb.clients, MESSAGE_LOG_TABLE);
    const archive = new DynamoDbConfigurationArchive(dynamoDb.clients.dynamodb, table);
    await archive.keep({ version: 4, signed: configuration(4), keySetId: 'k1' });
    await archive.keep({ version: 5, signed: configuration(5), keySetId: 'k2', keySetKept: true });
    expect(await archive.latest()).toEqual(configuration(5));
    expect(await archive.history()).toEqual([configuration(4)]);
  });
});
