/**
 * Finding 12: unauthenticated requests spent the join budget. The local API front took a token from `POST /join`'s
 * throttle before checking SigV4, so about 15 unsigned requests a second kept every legitimate join at 429. The
 * property: who calls is settled before a signed route's budget is spent — locally, the front refuses unsigned and
 * wrongly signed requests (403) without taking a token; in AWS, the central's web ACL blocks unsigned requests to
 * `/join` before API Gateway sees them and bounds what one source IP may send there. Signed callers still share the
 * route's budget.
 */
import { signedPost } from '../../lambdas/adapters/sigv4-central-client';
import { signedJoinRequest } from '../../lambdas/core/central/join-request';
import { LOCAL_REGION } from '../../lib/local/ecosystem';
import { httpCall } from '../../lib/local/http-call';
import { centralStackName } from '../../lib/stacks/sild-stacks';
import { startTestEcosystem, type TestEcosystem } from '../e2e/fixture';
import { demoConfig, resourcesOfType, synth } from '../support/synth';

describe('the local central API (end to end)', () => {
  let eco: TestEcosystem;
  beforeAll(async () => {
    eco = await startTestEcosystem();
  }, 60_000);
  afterAll(() => eco?.stop());

  const taxCredential = () => eco.credentials.find((credential) => credential.account === '333333333333')!;
  const join = (body: string, credentials: { accessKeyId: string; secretAccessKey: string } = taxCredential()) =>
    signedPost(new URL(`${eco.centralUrl}/join`), body, { region: LOCAL_REGION, credentials });

  test('a flood of unsigned and wrongly signed joins is refused without spending the budget: the genuine join goes through', async () => {
    const unsigned = Array.from({ length: 60 }, () =>
      httpCall(`${eco.centralUrl}/join`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }).then(
        (response) => response.status,
      ),
    );
    const stranger = { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'not-a-known-secret' };
    const wronglySigned = Array.from({ length: 30 }, () => join('{}', stranger).then((response) => response.status));
    expect(new Set(await Promise.all([...unsigned, ...wronglySigned]))).toEqual(new Set([403]));

    const deps = eco.agencies['tax-board'].deps;
    const genuine = await signedJoinRequest(
      eco.agencies['tax-board'].registration,
      eco.agencies['tax-board'].providerUrl,
      deps.keys,
      eco.clock.now(),
    );
    const response = await join(JSON.stringify(genuine));
    expect({ status: response.status, body: await response.json() }).toMatchObject({ status: 200, body: { agency: 'tax-board' } });
  });

  test('signed callers still share the route budget (burst 10, 5 a second): a burst of them is throttled', async () => {
    const statuses = await Promise.all(Array.from({ length: 25 }, () => join('{}').then((response) => response.status)));
    expect(statuses).toContain(429);
    expect(statuses).toContain(400); // those that got a token reached the handler, which refused the empty join
  });
});

describe('the deployed central API', () => {
  test('its web ACL blocks requests to /join without a SigV4 Authorization header and bounds each source IP there', () => {
    const central = synth(demoConfig()).templateJson(centralStackName('DEV'));
    const [acl] = Object.values(resourcesOfType(central, 'AWS::WAFv2::WebACL'));
    const rules = Object.fromEntries(acl.Properties.Rules.map((rule: { Name: string }) => [rule.Name, rule]));
    expect(rules.BlockUnsignedOnSignedPaths).toMatchObject({
      Action: { Block: {} },
      Statement: {
        AndStatement: {
          Statements: [
            { ByteMatchStatement: { FieldToMatch: { UriPath: {} }, PositionalConstraint: 'ENDS_WITH', SearchString: '/join' } },
            {
              NotStatement: {
                Statement: {
                  ByteMatchStatement: {
                    FieldToMatch: { SingleHeader: { Name: 'authorization' } },
                    PositionalConstraint: 'STARTS_WITH',
                    SearchString: 'AWS4-HMAC-SHA256 ',
                  },
                },
              },
            },
          ],
        },
      },
    });
    expect(rules.RateLimitPerIpOnSignedPaths).toMatchObject({
      Action: { Block: {} },
      Statement: {
        RateBasedStatement: { Limit: 100, AggregateKeyType: 'IP', ScopeDownStatement: { ByteMatchStatement: { SearchString: '/join' } } },
      },
    });
  });
});
