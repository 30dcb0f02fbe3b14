/**
 * The `Registry` contract against `DynamoDbRegistry` (dynalite, a new table per test, the deployment's items written
 * as the local runtime writes them — the items the central stack's custom resources put) and `MemoryRegistry`.
 */
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { DynamoDbRegistry } from '../../lambdas/adapters/dynamodb-registry';
import { REGISTRY_TABLE } from '../../lambdas/adapters/tables';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../lib/local/dynamodb';
import { MemoryRegistry } from '../support/memory-adapters';
import { destroyClients, freshTable, localClients, MISSING_TABLE } from './contract-support';
import { describeRegistryContract } from './registry.contract';

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

describeRegistryContract('DynamoDbRegistry', {
  make: async (deployment) => {
    const registry = new DynamoDbRegistry(clients.dynamodb, await freshTable(clients, REGISTRY_TABLE));
    if (deployment) await registry.putDeploymentItems(deployment.allowList, deployment.groups, deployment.federation);
    return registry;
  },
  unavailable: () => new DynamoDbRegistry(clients.dynamodb, MISSING_TABLE),
});

// MemoryRegistry has no way to be made unavailable: nine methods would each need one (not added).
describeRegistryContract('MemoryRegistry', {
  make: async (deployment) => {
    const registry = new MemoryRegistry([...(deployment?.allowList ?? [])], [...(deployment?.groups ?? [])]);
    registry.federation = [...(deployment?.federation ?? [])];
    return registry;
  },
});
