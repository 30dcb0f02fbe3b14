/**
 * The `GatewayConfigStore` contract against `DynamoDbGatewayConfig` (dynalite, a new table per test, the policy
 * written as the local runtime writes it — the item the agency stack's custom resource puts) and
 * `MemoryGatewayConfig`.
 */
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { DynamoDbGatewayConfig } from '../../lambdas/adapters/dynamodb-gateway-config';
import { MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../lib/local/dynamodb';
import { MemoryGatewayConfig } from '../support/memory-adapters';
import { destroyClients, freshTable, localClients, MISSING_TABLE } from './contract-support';
import { describeGatewayConfigStoreContract } from './gateway-config-store.contract';

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

describeGatewayConfigStoreContract('DynamoDbGatewayConfig', {
  make: async () => {
    const store = new DynamoDbGatewayConfig(clients.dynamodb, await freshTable(clients, MESSAGE_LOG_TABLE));
    return { store, write: (policy) => store.putAccessPolicy(policy) };
  },
  unavailable: () => new DynamoDbGatewayConfig(clients.dynamodb, MISSING_TABLE),
});

describeGatewayConfigStoreContract('MemoryGatewayConfig', {
  make: async () => {
    const store = new MemoryGatewayConfig();
    return { store, write: async (policy) => store.setAccessPolicy(policy) };
  },
  unavailable: () => Object.assign(new MemoryGatewayConfig(), { failing: true }),
});
