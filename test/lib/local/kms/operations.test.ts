/**
 * The KMS operations over a key store, called as the endpoint calls them (request body and authenticated caller):
 * where keys are created, what IAM lets a caller do with them, and KMS's order of checks — without HTTP.
 */
import * as crypto from 'crypto';
import { OPERATOR_CREDENTIALS, type LocalPrincipal } from '../../../../lib/local/iam/authorizer';
import { LocalIam } from '../../../../lib/local/iam/local-iam';
import { IAM_MODEL_VERSION, signingKeyArn, type LocalParty, type PolicyDocument } from '../../../../lib/local/iam/model';
import { PARTY_TAG } from '../../../../lib/local/kms/key-record';
import { KeyStore } from '../../../../lib/local/kms/key-store';
import { KmsError } from '../../../../lib/local/kms/kms-error';
import { KmsOperations } from '../../../../lib/local/kms/operations';
import type { JsonObject } from '../../../../lib/local/kms/wire';

const REGION = 'eu-north-1';
const TAX_BOARD: LocalParty = { name: 'tax-board', account: '222222222222', region: REGION };
const STRANGER_ACCOUNT = '333333333333';
const keyPolicy: PolicyDocument = {
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TAX_BOARD.account}:root` }, Action: 'kms:*', Resource: '*' }],
};

const operator: LocalPrincipal = { name: 'operator', ...OPERATOR_CREDENTIALS, arn: 'arn:aws:iam::000000000000:user/local-operator' };
const principal = (account: string, actions: string[], resource: string): LocalPrincipal => ({
  name: `fn-${account}`,
  accessKeyId: `AKIA${account}`,
  secretAccessKey: 's',
  account,
  arn: `arn:aws:sts::${account}:assumed-role/fn/local`,
  policies: [{ Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }] }],
});

async function kmsErrorType(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    if (err instanceof KmsError) return err.type;
    throw err;
  }
  throw new Error('expected a KmsError');
}

describe('KmsOperations', () => {
  const iam = new LocalIam();
  iam.install(
    {
      version: IAM_MODEL_VERSION,
      parties: [TAX_BOARD],
      tables: {},
      buckets: {},
      functions: [],
      keyPolicies: { [TAX_BOARD.name]: keyPolicy },
      bucketPolicies: {},
      join: { arn: 'arn:aws:execute-api:eu-north-1:111111111111:x/local/POST/join' },
    },
    {},
  );
  const store = new KeyStore({ region: REGION, account: '000000000000' });
  const { byName } = new KmsOperations(store, iam);
  const call = (operation: string, request: JsonObject, caller: LocalPrincipal = operator) => byName[operation](request, caller);
  const createKey = async (caller: LocalPrincipal, tags: { TagKey: string; TagValue: string }[] = []) =>
    (await call('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'd', Tags: tags }, caller)).KeyMetadata as JsonObject;
  const message = Buffer.from('hello, Sild').toString('base64');

  test('the operator creates a party’s key in the party’s account, any other key in the endpoint’s', async () => {
    expect(await createKey(operator, [{ TagKey: PARTY_TAG, TagValue: TAX_BOARD.name }])).toMatchObject({
      AWSAccountId: TAX_BOARD.account,
      KeyState: 'Enabled',
    });
    expect(await createKey(operator)).toMatchObject({ AWSAccountId: '000000000000' });
  });

  test('a key kind other than ECC_NIST_P256 / SIGN_VERIFY is refused as unsupported, before any permission is asked', async () => {
    const nobody = principal(STRANGER_ACCOUNT, [], '*');
    expect(await kmsErrorType(call('CreateKey', {}, nobody))).toBe('UnsupportedOperationException');
    expect(await kmsErrorType(call('CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }, nobody))).toBe('UnsupportedOperationException');
  });

  test('a party’s key is used as the stack key IAM knows: its account’s functions may sign, a stranger is denied', async () => {
    const keyArn = (await createKey(operator, [{ TagKey: PARTY_TAG, TagValue: TAX_BOARD.name }])).Arn as string;
    const signer = principal(TAX_BOARD.account, ['kms:Sign', 'kms:Verify'], signingKeyArn(TAX_BOARD));
    const signed = await call('Sign', { KeyId: keyArn, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }, signer);
    expect(signed).toMatchObject({ KeyId: keyArn, SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(
      await call('Verify', { KeyId: keyArn, Message: message, Signature: signed.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }, signer),
    ).toMatchObject({ SignatureValid: true });

    const stranger = principal(STRANGER_ACCOUNT, ['kms:Sign'], '*');
    expect(await kmsErrorType(call('Sign', { KeyId: keyArn, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }, stranger))).toBe(
      'AccessDeniedException',
    );
    const keyId = keyArn.split('/').pop()!;
    expect(await kmsErrorType(call('Sign', { KeyId: keyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }, stranger))).toBe(
      'NotFoundException',
    );
  });

  test('a disabled key refuses to sign and says so in DescribeKey, until enabled again', async () => {
    const { KeyId } = await createKey(operator);
    await call('DisableKey', { KeyId });
    expect((await call('DescribeKey', { KeyId })).KeyMetadata).toMatchObject({ Enabled: false, KeyState: 'Disabled' });
    expect(await kmsErrorType(call('Sign', { KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }))).toBe('DisabledException');
    await call('EnableKey', { KeyId });
    const { Signature, KeyId: arn } = await call('Sign', { KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' });
    const { PublicKey } = await call('GetPublicKey', { KeyId: arn });
    const publicKey = crypto.createPublicKey({ key: Buffer.from(PublicKey as string, 'base64'), format: 'der', type: 'spki' });
    expect(crypto.verify('sha256', Buffer.from(message, 'base64'), publicKey, Buffer.from(Signature as string, 'base64'))).toBe(true);
  });

  test('CreateAlias checks the name before the target, and the target must be a key, not an alias', async () => {
    const { KeyId } = await createKey(operator);
    expect(await kmsErrorType(call('CreateAlias', { AliasName: 'bad name', TargetKeyId: crypto.randomUUID() }))).toBe('ValidationException');
    expect(await kmsErrorType(call('CreateAlias', { AliasName: 'alias/aws/x', TargetKeyId: crypto.randomUUID() }))).toBe('NotAuthorizedException');
    await call('CreateAlias', { AliasName: 'alias/first', TargetKeyId: KeyId });
    expect(await kmsErrorType(call('CreateAlias', { AliasName: 'alias/second', TargetKeyId: 'alias/first' }))).toBe('NotFoundException');
    expect(await kmsErrorType(call('CreateAlias', { AliasName: 'alias/first', TargetKeyId: KeyId }))).toBe('AlreadyExistsException');
  });

  test('ListAliases shows a caller its own account’s aliases; the operator every account’s', async () => {
    const theirs = await createKey(operator, [{ TagKey: PARTY_TAG, TagValue: TAX_BOARD.name }]);
    await call('CreateAlias', { AliasName: 'alias/tax-board', TargetKeyId: theirs.Arn });
    await call('CreateAlias', { AliasName: 'alias/operator', TargetKeyId: (await createKey(operator)).KeyId });
    const lister = principal(TAX_BOARD.account, ['kms:ListAliases'], '*');
    const names = (aliases: unknown) => (aliases as { AliasName: string }[]).map((alias) => alias.AliasName);
    expect(names((await call('ListAliases', {}, lister)).Aliases)).toEqual(['alias/tax-board']);
    expect((await call('ListAliases', {}, lister)).Aliases).toEqual([
      expect.objectContaining({ AliasArn: `arn:aws:kms:${REGION}:${TAX_BOARD.account}:alias/tax-board`, TargetKeyId: theirs.KeyId }),
    ]);
    expect(names((await call('ListAliases', {})).Aliases)).toEqual(expect.arrayContaining(['alias/tax-board', 'alias/operator']));
  });
});
