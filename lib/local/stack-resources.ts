/**
 * What the stacks create at deploy time, created locally as the deploying role (the operator): the registry table,
 * the configuration bucket and the central key; each agency's message-log table, body bucket and signing key. A
 * restart finds them in the persisted state and keeps them.
 */
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { MESSAGE_LOG_TABLE, REGISTRY_TABLE } from '../../lambdas/adapters/tables';
import type { EcosystemConfig } from '../config/ecosystem-config';
import { ensureTable } from './dynamodb';
import { PARTY_TAG } from './kms/key-record';
import { bodyBucketName, configurationBucketName, messageLogTableName, registryTableName, signingKeyAlias } from './names';

/** The signing keys' ARNs: the central's, and each agency's by name. */
export interface DeployedKeys {
  readonly central: string;
  readonly agencies: Readonly<Record<string, string>>;
}

export async function createStackResources(clients: AwsClients, config: EcosystemConfig): Promise<DeployedKeys> {
  await ensureTable(clients.dynamodb as never, registryTableName, REGISTRY_TABLE);
  await clients.s3.send(new CreateBucketCommand({ Bucket: configurationBucketName }));
  const central = await ensureSigningKey(clients.kms, signingKeyAlias('central'), `Sild central server of ${config.instance}`, 'central');
  const agencies: Record<string, string> = {};
  for (const agency of config.agencies) {
    await ensureTable(clients.dynamodb as never, messageLogTableName(agency.name), MESSAGE_LOG_TABLE);
    await clients.s3.send(new CreateBucketCommand({ Bucket: bodyBucketName(agency.name) }));
    agencies[agency.name] = await ensureSigningKey(clients.kms, signingKeyAlias(agency.name), `Sild gateway of ${agency.name}`, agency.name);
  }
  return { central, agencies };
}

/**
 * Finds the key behind an alias, or creates it (what the stacks do at deploy time) in the party's account: the
 * `sild:party` tag names the party, and says which stack's signing key it stands for in IAM.
 */
export async function ensureSigningKey(kms: KMSClient, alias: string, description: string, party: string): Promise<string> {
  try {
    const existing = await kms.send(new DescribeKeyCommand({ KeyId: alias }));
    return existing.KeyMetadata!.Arn!;
  } catch (error) {
    if ((error as Error).name !== 'NotFoundException') throw error;
  }
  const created = await createSigningKey(kms, description, party);
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.keyId }));
  return created.arn;
}

/** A new signing key (P-256, sign/verify) of `party`, tagged with it: what a stack deploys, and what a rotation adds. */
export async function createSigningKey(kms: KMSClient, description: string, party: string): Promise<{ arn: string; keyId: string }> {
  const created = await kms.send(
    new CreateKeyCommand({
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      Description: description,
      Tags: [{ TagKey: PARTY_TAG, TagValue: party }],
    }),
  );
  return { arn: created.KeyMetadata!.Arn!, keyId: created.KeyMetadata!.KeyId! };
}
