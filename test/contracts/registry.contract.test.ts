/**
 * The `Registry` contract against `DynamoDbRegistry` (dynalite, a new table per test, the deployment's items written
 * as the local runtime writes them — the items the central stack's custom resources put) and `MemoryRegistry`.
 */
import { DynamoDbRegistry } from '../../lambdas/adapters/dynamodb-registry';
import { REGISTRY_TABLE } from '../../lambdas/adapters/tables';
import { MemoryRegistry } from '../support/memory-adapters';
import { dynamoDbForFile, freshTable, MISSING_TABLE } from './contract-support';
import { describeRegistryContract } from './registry.contract';

const dynamoDb = dynamoDbForFile();

describeRegistryContract('DynamoDbRegistry', {
  make: async (deployment) => {
    const registry = new DynamoDbRegistry(dynamoDb.clients.dynamodb, await freshTable(dynamoDb.clients, REGISTRY_TABLE));
    if (deployment) await registry.putDeploymentItems(deployment.allowList, deployment.groups, deployment.federation);
    return registry;
  },
  unavailable: () => new DynamoDbRegistry(dynamoDb.clients.dynamodb, MISSING_TABLE),
});

// MemoryRegistry has no way to be made unavailable: nine methods would each need one (not added).
describeRegistryContract('MemoryRegistry', {
  make: async (deployment) => {
    const registry = new MemoryRegistry([...(deployment?.allowList ?? [])], [...(deployment?.groups ?? [])]);
    registry.federation = [...(deployment?.federation ?? [])];
    return registry;
  },
});
