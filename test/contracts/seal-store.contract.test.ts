/**
 * The `SealStore` contract against `DynamoDbSealStore` with the `DynamoDbMessageLog` of the same table (dynalite, a
 * new table per test) and against `MemoryMessageLog`, which is both. The DynamoDB adapters run with 2 index shards
 * (4 deployed): the sealing index is read shard by shard, and fewer shards put a busy window's leaves on more pages.
 */
import { DynamoDbMessageLog } from '../../lambdas/adapters/dynamodb-message-log';
import { DynamoDbSealStore } from '../../lambdas/adapters/dynamodb-seal-store';
import { MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import { MemoryMessageLog } from '../support/memory-adapters';
import { dynamoDbForFile, freshTable, MISSING_TABLE } from './contract-support';
import { describeSealStoreContract, SEAL_INTERVAL_SECONDS } from './seal-store.contract';

const sealing = { intervalSeconds: SEAL_INTERVAL_SECONDS, shards: 2 };
const dynamoDb = dynamoDbForFile();

describeSealStoreContract('DynamoDbSealStore', {
  make: async () => {
    const table = await freshTable(dynamoDb.clients, MESSAGE_LOG_TABLE);
    return {
      seals: new DynamoDbSealStore(dynamoDb.clients.dynamodb, table, sealing),
      log: new DynamoDbMessageLog(dynamoDb.clients.dynamodb, table, { sealing, writer: dynamoDb.clients.logWriter }),
    };
  },
  unavailable: {
    make: () => new DynamoDbSealStore(dynamoDb.clients.dynamodb, MISSING_TABLE, sealing),
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
