/** Builds the central server's dependencies from its environment and AWS clients (Lambda and local alike). */
import type { AwsClients } from '../adapters/aws-clients';
import { DynamoDbRegistry } from '../adapters/dynamodb-registry';
import { KmsSigner } from '../adapters/kms-signer';
import { centralSettingsSchema, type CentralDeps } from '../core/central';
import { systemClock, type Clock } from '../core/ports';

export interface CentralEnvironment {
  /** JSON of `CentralSettings`. */
  readonly SILD_CENTRAL_SETTINGS?: string;
  readonly SILD_SIGNING_KEY_ID?: string;
  readonly SILD_REGISTRY_TABLE?: string;
}

/** The central dependencies, with the registry's DynamoDB adapter (the local runtime also writes the allow-list). */
export function createCentralDeps(env: CentralEnvironment, clients: AwsClients, clock: Clock = systemClock): CentralDeps & { readonly registry: DynamoDbRegistry } {
  const { SILD_CENTRAL_SETTINGS: settings, SILD_SIGNING_KEY_ID: keyId, SILD_REGISTRY_TABLE: table } = env;
  if (!settings || !keyId || !table) throw new Error('SILD_CENTRAL_SETTINGS, SILD_SIGNING_KEY_ID and SILD_REGISTRY_TABLE must be set');
  return {
    settings: centralSettingsSchema.parse(JSON.parse(settings)),
    registry: new DynamoDbRegistry(clients.dynamodb, table),
    signer: new KmsSigner(clients.kms, keyId),
    clock,
  };
}
