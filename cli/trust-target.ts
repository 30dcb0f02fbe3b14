/**
 * What the trust commands work on. Locally: the running ecosystem (`.sild/local.json`) — its registry, its KMS
 * endpoint, each gateway's table, and each agency's local credential to join with. In AWS: the central registry
 * table (`sild registry …` with `--aws`); key rotation in AWS is driven by the stacks' properties (README).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createAwsClients } from '../lambdas/adapters/aws-clients';
import { DynamoDbGatewayKeys } from '../lambdas/adapters/dynamodb-gateway-keys';
import { DynamoDbRegistry } from '../lambdas/adapters/dynamodb-registry';
import { joinCentral } from '../lambdas/adapters/sigv4-central-client';
import { localInfoPath, type LocalRuntimeInfo } from '../lib/local/runtime-info';
import { CliError } from './log-target';
import type { TrustTarget } from './trust';

/** The local ecosystem's trust target, from what `npm start` (or a test) recorded. */
export function localTrustTarget(info: LocalRuntimeInfo, anchorFile?: string): TrustTarget {
  const clients = createAwsClients({
    region: info.region,
    endpoints: { dynamodb: info.dynamodb, kms: info.kms, s3: info.s3 },
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    instance: info.anchor.instance,
    registry: new DynamoDbRegistry(clients.dynamodb, info.registryTable),
    kms: clients.kms,
    centralKeyId: info.centralKeyId,
    timing: info.rotation,
    anchorFile,
    gateway: (agency) => {
      const entry = info.agencies[agency];
      if (!entry) throw new CliError(`Unknown agency ${agency}; known: ${Object.keys(info.agencies).join(', ')}`);
      return {
        agency,
        keys: new DynamoDbGatewayKeys(clients.dynamodb, entry.table),
        deploymentKeyId: entry.signingKeyId,
        registration: entry.registration,
        providerUrl: entry.providerUrl,
        join: (request) => joinCentral(request, { centralUrl: info.central, region: info.region, credentials: entry.credential }),
      };
    },
  };
}

/** Reads `.sild/local.json` of a running `npm start`. */
export function readLocalRuntimeInfo(stateDir: string): LocalRuntimeInfo {
  const path = localInfoPath(stateDir);
  if (!existsSync(path)) throw new CliError(`${path} not found: start the local ecosystem first (npm start), or use --aws`);
  return JSON.parse(readFileSync(path, 'utf8')) as LocalRuntimeInfo;
}

/** The registry of a deployed central (`--aws`): the registry table, with the usual AWS credentials. */
export function awsRegistryTarget(options: {
  readonly table: string;
  readonly region: string;
  readonly instance: string;
}): Pick<TrustTarget, 'instance' | 'registry'> {
  const clients = createAwsClients({ region: options.region });
  return { instance: options.instance, registry: new DynamoDbRegistry(clients.dynamodb, options.table) };
}
