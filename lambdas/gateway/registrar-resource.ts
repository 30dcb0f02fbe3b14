/**
 * Lambda entry: the deploy-time custom resource (`Custom::SildGatewayRegistration`, run by aws-cdk-lib's provider
 * framework) that registers this gateway with the central registry. Create and Update read the gateway's public
 * keys from KMS (during a rotation, every published key), sign the join with each (proof of possession), and join with the function's own role
 * credentials (SigV4; the central API authorizes the account). Its properties (`RegistrationProperties`, the
 * deployment contract) are exactly what the join carries, so only a change the central publishes re-runs it.
 * Delete does nothing: leaving the registry is an operator's decision at the central side.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { KmsSigner } from '../adapters/kms-signer';
import { joinRequestFor, signJoinRequest } from '../core/central/join-request';
import type { Signer } from '../core/kernel/ports';
import { readRegistrationProperties } from '../deployment-contract';
import { joinCentral, type JoinOptions, type JoinResult } from '../adapters/sigv4-central-client';

export type { RegistrationProperties } from '../deployment-contract';

export interface RegistrationResult {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

export interface RegistrationDeps {
  /** The gateway's KMS key: its public key is registered, and it signs the join (proof of possession). */
  readonly signer: (keyId: string) => Signer;
  readonly join: typeof joinCentral;
  readonly credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
}

export function createRegistrationHandler(deps: RegistrationDeps): (event: CloudFormationCustomResourceEvent) => Promise<RegistrationResult> {
  return async (event) => {
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
    const deployment = readRegistrationProperties(event.ResourceProperties);
    const signers = (deployment.publishedKeyIds ?? [deployment.signingKeyId]).map((keyId) => deps.signer(keyId));
    const options: JoinOptions = { centralUrl: deployment.centralUrl, region: deployment.centralRegion, credentials: deps.credentials };
    const publicKeys = await Promise.all(signers.map((signer) => signer.publicKey()));
    const request = await signJoinRequest(joinRequestFor(deployment.registration, deployment.providerUrl, publicKeys), signers, Date.now());
    const result: JoinResult = await deps.join(request, options);
    return { PhysicalResourceId: result.gateway, Data: { Gateway: result.gateway, KeyId: result.keyIds[0] ?? '' } };
  };
}

const kms = new KMSClient({});

export const handler = createRegistrationHandler({
  signer: (keyId) => new KmsSigner(kms, keyId),
  join: joinCentral,
  credentials: kms.config.credentials,
});
