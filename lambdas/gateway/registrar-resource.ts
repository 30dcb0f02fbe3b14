/**
 * Lambda entry: the deploy-time custom resource (`Custom::SildGatewayRegistration`, run by aws-cdk-lib's provider
 * framework) that registers this gateway with the central registry. Create and Update read the gateway's public
 * keys from KMS (during a rotation, every published key), sign the join with each (proof of possession), and join with the function's own role
 * credentials (SigV4; the central API authorizes the account).
 * Delete does nothing: leaving the registry is an operator's decision at the central side.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { KmsSigner } from '../adapters/kms-signer';
import { joinRequestFor, signJoinRequest } from '../core/central';
import { parseGatewaySettings } from '../core/gateway-settings';
import type { Signer } from '../core/ports';
import { joinCentral, type JoinOptions, type JoinResult } from '../adapters/sigv4-central-client';

/** The custom resource's properties (all strings: CloudFormation passes properties as strings). */
export interface RegistrationProperties {
  readonly Agency: string;
  readonly MemberName: string;
  /** JSON of the gateway settings. */
  readonly Settings: string;
  readonly ProviderUrl: string;
  readonly SigningKeyId: string;
  /** Every key to register, comma-separated, while a rotation publishes more than one. @default - SigningKeyId alone */
  readonly PublishedKeyIds?: string;
  readonly CentralUrl: string;
  readonly CentralRegion: string;
}

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

const REQUIRED: readonly (keyof RegistrationProperties)[] = ['Agency', 'MemberName', 'Settings', 'ProviderUrl', 'SigningKeyId', 'CentralUrl', 'CentralRegion'];

export function createRegistrationHandler(deps: RegistrationDeps): (event: CloudFormationCustomResourceEvent) => Promise<RegistrationResult> {
  return async (event) => {
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
    const properties = event.ResourceProperties as unknown as Partial<RegistrationProperties>;
    const missing = REQUIRED.filter((name) => typeof properties[name] !== 'string' || properties[name] === '');
    if (missing.length > 0) throw new Error(`Missing registration properties: ${missing.join(', ')}`);
    const props = properties as RegistrationProperties;
    const settings = parseGatewaySettings(JSON.parse(props.Settings));
    const signers = (props.PublishedKeyIds ? props.PublishedKeyIds.split(',').filter(Boolean) : [props.SigningKeyId]).map((keyId) => deps.signer(keyId));
    const options: JoinOptions = { centralUrl: props.CentralUrl, region: props.CentralRegion, credentials: deps.credentials };
    const publicKeys = await Promise.all(signers.map((signer) => signer.publicKey()));
    const request = await signJoinRequest(joinRequestFor(props.Agency, settings, props.ProviderUrl, publicKeys), signers, Date.now());
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
