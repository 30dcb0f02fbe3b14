/**
 * The `ServiceDescriptions` contract against `DynamoDbGatewayConfig` (dynalite, a new table per test, descriptions
 * written as the local runtime writes them — the items the agency stack puts) and `MemoryGatewayConfig`.
 */
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { DynamoDbGatewayConfig } from '../../lambdas/adapters/dynamodb-gateway-config';
import { MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../lib/local/dynamodb';
import { MemoryGatewayConfig } from '../support/memory-adapters';
import { destroyClients, freshTable, localClients, MISSING_TABLE } from './contract-support';
import { describeServiceDescriptionsContract } from './service-descriptions.contract';

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

describeServiceDescriptionsContract('DynamoDbGatewayConfig', {
  make: async () => {
    const descriptions = new DynamoDbGatewayConfig(clients.dynamodb, await freshTable(clients, MESSAGE_LOG_TABLE));
    return { descriptions, write: (subsystem, code, document) => descriptions.putServiceDescription(subsystem, code, document) };
  },
  unavailable: () => new DynamoDbGatewayConfig(clients.dynamodb, MISSING_TABLE),
});

describeServiceDescriptionsContract('MemoryGatewayConfig', {
  make: async () => {
    const descriptions = new MemoryGatewayConfig();
    return { descriptions, write: async (subsystem, code, document) => void descriptions.descriptions.set(`${subsystem}/${code}`, document) };
  },
  unavailable: () => Object.assign(new MemoryGatewayConfig(), { failing: true }),
});
