import { LocalAuthorizer, OPERATOR_CREDENTIALS, type LocalPrincipal } from '../../../../lib/local/iam/authorizer';
import type { PolicyDocument } from '../../../../lib/local/iam/model';

const TABLE = 'arn:aws:dynamodb:eu-north-1:333333333333:table/log';
const KEY = 'arn:aws:kms:eu-north-1:333333333333:key/k';
const principal = (account: string, policies: PolicyDocument[]): LocalPrincipal => ({
  name: `fn-${account}`,
  accessKeyId: `AKIA${account}`,
  secretAccessKey: 's',
  account,
  arn: `arn:aws:sts::${account}:assumed-role/fn/local`,
  policies,
});
const allow = (action: string, resource: string, condition?: Record<string, unknown>): PolicyDocument => ({
  Statement: [{ Effect: 'Allow', Action: action, Resource: resource, ...(condition ? { Condition: condition } : {}) }],
});
const keyPolicy: PolicyDocument = {
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::333333333333:root' }, Action: 'kms:*', Resource: '*' }],
};

describe('LocalAuthorizer', () => {
  const authorizer = new LocalAuthorizer();

  test('the operator may do anything; an unknown access key is nobody', async () => {
    const operator = authorizer.principal(OPERATOR_CREDENTIALS.accessKeyId)!;
    expect(
      await authorizer.authorize({ principal: operator, action: 'dynamodb:DeleteTable', resource: TABLE, resourceAccount: '333333333333' }),
    ).toEqual({ allowed: true });
    expect(authorizer.principal('AKIAUNKNOWN')).toBeUndefined();
  });

  test('same account: the identity policy decides, with AWS’s refusal message', async () => {
    const fn = principal('333333333333', [allow('dynamodb:GetItem', TABLE)]);
    expect(await authorizer.authorize({ principal: fn, action: 'dynamodb:GetItem', resource: TABLE, resourceAccount: '333333333333' })).toEqual({
      allowed: true,
    });
    expect(await authorizer.authorize({ principal: fn, action: 'dynamodb:PutItem', resource: TABLE, resourceAccount: '333333333333' })).toEqual({
      allowed: false,
      message: `User: arn:aws:sts::333333333333:assumed-role/fn/local is not authorized to perform: dynamodb:PutItem on resource: ${TABLE} because no identity-based policy allows the dynamodb:PutItem action`,
    });
  });

  test('another account: the resource policy must allow it too (a key policy trusting only its own account refuses)', async () => {
    const stranger = principal('222222222222', [allow('kms:Sign', KEY)]);
    const decision = await authorizer.authorize({
      principal: stranger,
      action: 'kms:Sign',
      resource: KEY,
      resourceAccount: '333333333333',
      resourcePolicy: keyPolicy,
    });
    expect(decision).toEqual({ allowed: false, message: expect.stringMatching(/because no resource-based policy allows the kms:Sign action$/) });
    const owner = principal('333333333333', [allow('kms:Sign', KEY)]);
    expect(
      await authorizer.authorize({ principal: owner, action: 'kms:Sign', resource: KEY, resourceAccount: '333333333333', resourcePolicy: keyPolicy }),
    ).toEqual({ allowed: true });
  });

  test('an explicit deny wins and is named as such', async () => {
    const fn = principal('333333333333', [allow('s3:*', '*'), { Statement: [{ Effect: 'Deny', Action: 's3:PutObject', Resource: '*' }] }]);
    expect(
      await authorizer.authorize({ principal: fn, action: 's3:PutObject', resource: 'arn:aws:s3:::b/k', resourceAccount: '333333333333' }),
    ).toEqual({ allowed: false, message: expect.stringMatching(/with an explicit deny in an identity-based policy$/) });
  });

  test('leading keys: a key the policies do not name is decided as any such key — and named keys as themselves', async () => {
    const fn = principal('333333333333', [
      allow('dynamodb:PutItem', TABLE, { 'ForAllValues:StringNotEquals': { 'dynamodb:LeadingKeys': ['CONFIG', 'SEAL'] } }),
    ]);
    const put = (key: string) =>
      authorizer.authorize({
        principal: fn,
        action: 'dynamodb:PutItem',
        resource: TABLE,
        resourceAccount: '333333333333',
        context: { 'dynamodb:LeadingKeys': [key] },
      });
    for (const key of ['DEV/GOV/1/a x-1', 'DEV/GOV/1/a x-2', 'GLOBALCONF']) expect((await put(key)).allowed).toBe(true);
    for (const key of ['CONFIG', 'SEAL']) expect((await put(key)).allowed).toBe(false);
  });

  test('leading keys compared by pattern (StringLike) are evaluated as they are', async () => {
    const fn = principal('333333333333', [allow('dynamodb:GetItem', TABLE, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DEV/*'] } })]);
    const get = (key: string) =>
      authorizer.authorize({
        principal: fn,
        action: 'dynamodb:GetItem',
        resource: TABLE,
        resourceAccount: '333333333333',
        context: { 'dynamodb:LeadingKeys': [key] },
      });
    expect((await get('DEV/GOV/1/a x')).allowed).toBe(true);
    expect((await get('FI/GOV/1/a x')).allowed).toBe(false);
  });
});
