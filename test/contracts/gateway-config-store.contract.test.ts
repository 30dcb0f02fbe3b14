/**
 * The `GatewayConfigStore` contract against `DynamoDbGatewayConfig` (dynalite, a new table per test, the policy
 * written as the local runtime writes it — the item the agency stack's custom resource puts) and
 * `MemoryGatewayConfig`.
 */
import { DynamoDbGatewayConfig } from '../../lambdas/adapters/dynamodb-gateway-config';
import { MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import { MemoryGatewayConfig } from '../support/memory-adapters';
import { dynamoDbForFile, freshTable, MISSING_TABLE } from './contract-support';
import { describeGatewayConfigStoreContract } from './gateway-config-store.contract';

const dynamoDb = dynamoDbForFile();

describeGatewayConfigStoreContract('DynamoDbGatewayConfig', {
  make: async () => {
    const store = new DynamoDbGatewayConfig(dynamoDb.clients.dynamodb, await freshTable(dynamoDb.clients, MESSAGE_LOG_TABLE));
    return { store, write: (policy) => store.putAccessPolicy(policy) };
  },
  unavailable: () => new DynamoDbGatewayConfig(dynamoDb.clients.dynamodb, MISSING_TABLE),
});

describeGatewayConfigStoreContract('MemoryGatewayConfig', {
  make: async () => {
    const store = new MemoryGatewayConfig();
    return { store, write: async (policy) => store.setAccessPolicy(policy) };
  },
  unavailable: () => Object.assign(new MemoryGatewayConfig(), { failing: true }),
});
