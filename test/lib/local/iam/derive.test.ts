import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { loadEcosystemConfig } from '../../../../lib/config/ecosystem-config';
import { deriveIamModel, type DerivedStacks } from '../../../../lib/local/iam/derive';

const config = loadEcosystemConfig('config/ecosystem.json');
let cacheDir: string;
beforeAll(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'sild-iam-cache-'));
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('deriveIamModel: the local IAM from the synthesized stacks', () => {
  test('every function of the stacks, with its role’s policies resolved to local names; key, bucket and API policies', async () => {
    const model = await deriveIamModel(config, { cacheDir });
    expect(model.functions.map((fn) => fn.name)).toEqual([
      'central/central',
      'central/publisher',
      ...config.agencies.flatMap((agency) => ['consumer', 'provider', 'sealer', 'canary', 'registrar'].map((fn) => `${agency.name}/${fn}`)),
    ]);
    const consumer = model.functions.find((fn) => fn.name === 'tax-board/consumer')!;
    expect(consumer).toMatchObject({
      account: '333333333333',
      roleName: 'sild-tax-board-consumer',
      roleLogicalId: expect.stringMatching(/^ConsumerFunctionRole/),
    });
    const statements = consumer.policies.flatMap((policy) => policy.document.Statement);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:GetPublicKey', 'kms:Sign'],
        Resource: 'arn:aws:kms:eu-north-1:333333333333:key/sild-signing-tax-board',
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'dynamodb:PutItem', Resource: 'arn:aws:dynamodb:eu-north-1:333333333333:table/sild-tax-board-message-log' }),
    );
    // No CloudFormation token survives.
    expect(JSON.stringify(model)).not.toMatch(/"(Ref|Fn::[A-Za-z]+)"/);
    expect(model.keyPolicies['tax-board'].Statement).toEqual([expect.objectContaining({ Principal: { AWS: 'arn:aws:iam::333333333333:root' } })]);
    expect(Object.keys(model.bucketPolicies).sort()).toEqual([
      'sild-business-registry-bodies',
      'sild-central-globalconf',
      'sild-population-registry-bodies',
      'sild-tax-board-bodies',
    ]);
    expect(model.join.policy!.Statement).toContainEqual(
      expect.objectContaining({ Resource: 'arn:aws:execute-api:eu-north-1:111111111111:sildlocalcentral/*/POST/join' }),
    );
  }, 60_000);

  test('cached by config and sources: a second derivation reads the file', async () => {
    await deriveIamModel(config, { cacheDir });
    expect(readdirSync(cacheDir).filter((file) => file.endsWith('.json'))).toHaveLength(1);
  });

  test('a token it cannot resolve fails the derivation (fail closed), and a changed stack is never cached', async () => {
    const adjust = ({ agencies }: DerivedStacks) => {
      const policy = agencies['tax-board'].gateway.node.findChild('ConsumerFunctionRole').node.findChild('DefaultPolicy') as iam.Policy;
      (policy.node.defaultChild as iam.CfnPolicy).addPropertyOverride('PolicyDocument.Statement.0.Resource', { 'Fn::ImportValue': 'elsewhere' });
    };
    await expect(deriveIamModel(config, { cacheDir, adjust })).rejects.toThrow(/cannot resolve Fn::ImportValue .* refuses to guess/);
    expect(readdirSync(cacheDir).filter((file) => file.endsWith('.json'))).toHaveLength(1);
  }, 60_000);
});
