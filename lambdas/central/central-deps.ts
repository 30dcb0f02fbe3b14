/** Builds the central server's dependencies from its deployment (`deployment-contract.ts`) and AWS clients (Lambda and local alike). */
import type { AwsClients } from '../adapters/aws-clients';
import { DynamoDbRegistry } from '../adapters/dynamodb-registry';
import { KmsKeyRing } from '../adapters/kms-key-ring';
import { GlobalConfigurationPublisher } from '../core/central/publisher';
import type { CentralDeps } from '../core/central/ports';
import type { CentralSettings } from '../core/central/settings';
import { S3ConfigurationDistribution } from '../adapters/s3-configuration-distribution';
import { systemClock, type Clock } from '../core/kernel/ports';
import { deploymentKeyRing, type CentralDeployment } from '../deployment-contract';

/** The central dependencies, with the registry's DynamoDB adapter (the local runtime also writes the allow-list) and the publisher. */
export function createCentralDeps(
  deployment: CentralDeployment<CentralSettings>,
  clients: AwsClients,
  clock: Clock = systemClock,
): CentralDeps & { readonly registry: DynamoDbRegistry; readonly publisher: GlobalConfigurationPublisher } {
  const registry = new DynamoDbRegistry(clients.dynamodb, deployment.registryTable);
  const deps: CentralDeps = {
    settings: deployment.settings,
    registry,
    // A central key rotation (`sild keys rotate --central`) takes over within keyRingRefreshSeconds.
    keys: new KmsKeyRing(
      () => clients.kms,
      () => registry.centralKeys(),
      deploymentKeyRing(deployment),
      clock,
      deployment.settings.keyRingRefreshSeconds * 1000,
    ),
    clock,
  };
  return {
    ...deps,
    registry,
    publisher: new GlobalConfigurationPublisher(deps, new S3ConfigurationDistribution(clients.s3, deployment.configurationBucket)),
  };
}
