/**
 * The `ConfigurationArchive` contract against `DynamoDbConfigurationArchive` (dynalite, a new table per test; a
 * federated instance's archive on the same table, as the gateways keep it) and `MemoryConfigurationArchive`.
 */
import { DynamoDbConfigurationArchive } from '../../lambdas/adapters/dynamodb-configuration-archive';
import { MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import { MemoryConfigurationArchive } from '../support/memory-adapters';
import { describeConfigurationArchiveContract } from './configuration-archive.contract';
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
