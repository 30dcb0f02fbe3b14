/**
 * SigningKey promises an ECC P-256 sign/verify KMS key with an alias (characters KMS rejects replaced by `-`), kept
 * when the stack is deleted, and grants that let a function sign (and read the public key) or only read the public
 * key — on this key alone, without touching the key policy.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SigningKey } from '../../../lib/constructs/signing-key';
import { constructStack, resourceAt } from '../../support/synth';

function signingKey(alias: string, grant?: (key: SigningKey, grantee: iam.IGrantable) => void) {
  const { stack } = constructStack();
  const key = new SigningKey(stack, 'SigningKey', { alias, description: 'Sild DEV: signs the global configuration' });
  if (grant) grant(key, new iam.Role(stack, 'Signer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
  const json = Template.fromStack(stack).toJSON();
  return { json, key: resourceAt(json, '/SigningKey/Key/Resource') };
}

describe('SigningKey', () => {
  test('is an ECC P-256 sign/verify key with the given description, retained on deletion and replacement, without rotation', () => {
    const { key } = signingKey('sild/DEV/central');
    expect(key.resource).toMatchObject({
      Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'Sild DEV: signs the global configuration' },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(key.resource.Properties.EnableKeyRotation).toBeUndefined();
  });

  test.each([
    ['sild/DEV/central', 'alias/sild/DEV/central'],
    ['sild/DEV/gateway/tax_board-2', 'alias/sild/DEV/gateway/tax_board-2'],
    ['sild/EE.test/gateway/tax board', 'alias/sild/EE-test/gateway/tax-board'],
    ['sild/ÕÄ:gw', 'alias/sild/---gw'],
  ])('the alias %j becomes %j and names this key', (alias, aliasName) => {
    const { json, key } = signingKey(alias);
    expect(resourceAt(json, '/SigningKey/Key/Alias/Resource').resource.Properties).toEqual({
      AliasName: aliasName,
      TargetKeyId: { 'Fn::GetAtt': [key.logicalId, 'Arn'] },
    });
  });

  test('grantSign allows exactly kms:Sign and kms:GetPublicKey on this key, and leaves the key policy to the account', () => {
    const { json, key } = signingKey('sild/DEV/central', (signing, grantee) => signing.grantSign(grantee));
    expect(resourceAt(json, '/Signer/DefaultPolicy/Resource').resource.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['kms:GetPublicKey', 'kms:Sign'], Resource: { 'Fn::GetAtt': [key.logicalId, 'Arn'] } },
    ]);
    expect(key.resource.Properties.KeyPolicy.Statement).toEqual([
      { Effect: 'Allow', Action: 'kms:*', Principal: { AWS: 'arn:aws:iam::555555555555:root' }, Resource: '*' },
    ]);
  });

  test('grantGetPublicKey allows only kms:GetPublicKey on this key (no signing)', () => {
    const { json, key } = signingKey('sild/DEV/central', (signing, grantee) => signing.grantGetPublicKey(grantee));
    expect(resourceAt(json, '/Signer/DefaultPolicy/Resource').resource.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'kms:GetPublicKey', Resource: { 'Fn::GetAtt': [key.logicalId, 'Arn'] } },
    ]);
  });
});
