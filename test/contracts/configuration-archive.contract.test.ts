/**
 * The `ConfigurationArchive` contract against `DynamoDbConfigurationArchive` (dynalite, a new table per test; a
 * federated instance's archive on the same table, as the gateways keep it) and `MemoryConfigurationArchive`.
 */
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { DynamoDbConfigurationArchive } from '../../lambdas/adapters/dynamodb-configuration-archive';
import { MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../lib/local/dynamodb';
import { MemoryConfigurationArchive } from '../support/memory-adapters';
import { describeConfigurationArchiveContract } from './configuration-archive.contract';
import { destroyClients, freshTable, localClients, MISSING_TABLE } from './contract-support';

let dynamodb: LocalDynamoDb;
let clients: AwsClients;
beforeAll(async () => {
  dynamodb = await startLocalDynamoDb();
  clients = localClients({ dynamodb: dynamodb.url }, 1);
});
afterAll(async () => {
  destroyClients(clients);
  await dynamodb?.stop();
});

describeConfigurationArchiveContract('DynamoDbConfigurationArchive', {
  make: async () => {
    const table = await freshTable(clients, MESSAGE_LOG_TABLE);
    return { open: (instance) => new DynamoDbConfigurationArchive(clients.dynamodb, table, instance) };
  },
  unavailable: { make: () => new DynamoDbConfigurationArchive(clients.dynamodb, MISSING_TABLE), fails: ['latest', 'keep', 'history'] },
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
