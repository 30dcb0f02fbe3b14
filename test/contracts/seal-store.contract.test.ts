/**
 * The `SealStore` contract against `DynamoDbSealStore` with the `DynamoDbMessageLog` of the same table (dynalite, a
 * new table per test) and against `MemoryMessageLog`, which is both. The DynamoDB adapters run with 2 index shards
 * (4 deployed): the sealing index is read shard by shard, and fewer shards put a busy window's leaves on more pages.
 */
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { DynamoDbMessageLog } from '../../lambdas/adapters/dynamodb-message-log';
import { DynamoDbSealStore } from '../../lambdas/adapters/dynamodb-seal-store';
import { MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../lib/local/dynamodb';
import { MemoryMessageLog } from '../support/memory-adapters';
import { destroyClients, freshTable, localClients, MISSING_TABLE } from './contract-support';
import { describeSealStoreContract, SEAL_INTERVAL_SECONDS } from './seal-store.contract';

const sealing = { intervalSeconds: SEAL_INTERVAL_SECONDS, shards: 2 };
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

describeSealStoreContract('DynamoDbSealStore', {
  make: async () => {
    const table = await freshTable(clients, MESSAGE_LOG_TABLE);
    return {
      seals: new DynamoDbSealStore(clients.dynamodb, table, sealing),
      log: new DynamoDbMessageLog(clients.dynamodb, table, { sealing, writer: clients.logWriter }),
    };
  },
  unavailable: {
    make: () => new DynamoDbSealStore(clients.dynamodb, MISSING_TABLE, sealing),
    fails: ['latestSeal', 'listSeals', 'putSeal', 'leavesInWindows'],
  },
});

describeSealStoreContract('MemoryMessageLog (as SealStore)', {
  make: async () => {
    const log = new MemoryMessageLog(SEAL_INTERVAL_SECONDS);
    return { seals: log, log };
  },
  // `failing` makes writes fail (what the unit tests of the core need); reads still answer.
  unavailable: { make: () => Object.assign(new MemoryMessageLog(SEAL_INTERVAL_SECONDS), { failing: true }), fails: ['putSeal'] },
});
