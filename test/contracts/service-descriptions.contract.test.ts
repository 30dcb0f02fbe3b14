/**
 * The `ServiceDescriptions` contract against `DynamoDbGatewayConfig` (dynalite, a new table per test, descriptions
 * and WSDLs written as the local runtime writes them — the items the agency stack puts) and `MemoryGatewayConfig`.
 */
import { DynamoDbGatewayConfig } from '../../lambdas/adapters/dynamodb-gateway-config';
import { MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import { MemoryGatewayConfig } from '../support/memory-adapters';
import { dynamoDbForFile, freshTable, MISSING_TABLE } from './contract-support';
import { describeServiceDescriptionsContract } from './service-descriptions.contract';

const dynamoDb = dynamoDbForFile();

describeServiceDescriptionsContract('DynamoDbGatewayConfig', {
  make: async () => {
    const descriptions = new DynamoDbGatewayConfig(dynamoDb.clients.dynamodb, await freshTable(dynamoDb.clients, MESSAGE_LOG_TABLE));
    return {
      descriptions,
      write: (subsystem, code, document) => descriptions.putServiceDescription(subsystem, code, document),
      writeWsdl: (subsystem, code, text) => descriptions.putServiceWsdl(subsystem, code, text),
    };
  },
  unavailable: () => new DynamoDbGatewayConfig(dynamoDb.clients.dynamodb, MISSING_TABLE),
});

describeServiceDescriptionsContract('MemoryGatewayConfig', {
  make: async () => {
    const descriptions = new MemoryGatewayConfig();
    return {
      descriptions,
      write: async (subsystem, code, document) => void descriptions.descriptions.set(`${subsystem}/${code}`, document),
      writeWsdl: async (subsystem, code, text) => void descriptions.wsdls.set(`${subsystem}/${code}`, text),
    };
  },
  unavailable: () => Object.assign(new MemoryGatewayConfig(), { failing: true }),
});
