/**
 * The concurrency check promises a synth error on every Sild deployment of an (account, Region) whose reservations
 * exceed the stated quota less what Lambda keeps unreserved — summed over the whole app (the all-in-one app's
 * gateways sharing an account; an agency's own app) — naming account, Region, sum and limit; nothing otherwise.
 */
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { SildCentral } from '../../../lib/constructs/sild-central';
import { SildGateway } from '../../../lib/constructs/sild-gateway';
import { agencyStackName, centralStackName } from '../../../lib/stacks/sild-stacks';
import { configWith, constructStack, minimalGatewayConfig, synth } from '../../support/synth';

describe('in the all-in-one app', () => {
  const overQuota = synth(
    configWith((raw) => {
      for (const agency of raw.agencies) {
        agency.account = '222222222222';
        agency.concurrency = { consumer: 150, provider: 150, sealer: 2 };
      }
    }),
  );

  test('gateways sharing an account whose reservations sum above the limit: each of their stacks fails synth, naming account, Region, sum and limit', () => {
    for (const name of ['population-registry', 'tax-board', 'business-registry']) {
      expect(overQuota.messages(agencyStackName('DEV', { name }), 'error')).toEqual([
        expect.stringMatching(
          /^Lambda concurrency in account 222222222222, Region eu-north-1: the reservations sum to 906 \(.*\), above the limit of 900 — the quota of 1000 less the 100 Lambda keeps unreserved/,
        ),
      ]);
    }
    // The central deploys to its own account: nothing reserved there.
    expect(overQuota.messages(centralStackName('DEV'), 'error')).toEqual([]);
  });

  test('the demo, reserving nothing, synthesizes without a concurrency error; a raised quota stated by every party there fits', () => {
    const demo = synth(configWith(() => {}));
    for (const stack of demo.assembly.stacks) expect(demo.messages(stack.stackName, 'error')).toEqual([]);
    const raised = synth(
      configWith((raw) => {
        for (const agency of raw.agencies)
          Object.assign(agency, { account: '222222222222', lambdaConcurrencyQuota: 2000, concurrency: { consumer: 150, provider: 150, sealer: 2 } });
      }),
    );
    for (const stack of raised.assembly.stacks) expect(raised.messages(stack.stackName, 'error')).toEqual([]);
  });
});

describe("in an agency's own app", () => {
  test("a new account (quota 10) cannot reserve even the sealer's floor: synth fails", () => {
    const { stack } = constructStack();
    new SildGateway(stack, 'Gateway', { ...minimalGatewayConfig(), lambdaConcurrencyQuota: 10, concurrency: { sealer: 1 } });
    Annotations.fromStack(stack).hasError(
      '/Test/Gateway',
      Match.stringLikeRegexp('^Lambda concurrency in account 555555555555, Region eu-north-1: the reservations sum to 1 .*above the limit of 0'),
    );
  });

  test('two gateways and a central in one account and Region are summed across stacks, against the smallest stated quota', () => {
    const app = (consumer: number) => {
      const { app: root, stack } = constructStack();
      const other = new Stack(root, 'Other', { env: { account: '555555555555', region: 'eu-north-1' } });
      new SildGateway(stack, 'Gateway', { ...minimalGatewayConfig(), concurrency: { consumer } });
      new SildGateway(other, 'Gateway', {
        ...minimalGatewayConfig(),
        name: 'vehicle-registry-2',
        lambdaConcurrencyQuota: 900,
        concurrency: { consumer: 200 },
      });
      new SildCentral(other, 'Central', {
        instance: 'EE',
        memberClasses: ['GOV'],
        central: { account: '555555555555', region: 'eu-north-1', concurrency: 100 },
        agencies: [],
      });
      return { stack, other };
    };
    // 500 + 200 + 100 = 800: the limit with the smallest quota (900 less 100).
    const fits = app(500);
    for (const stack of [fits.stack, fits.other])
      expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('Lambda concurrency'))).toEqual([]);
    const over = app(501);
    const summary = Match.stringLikeRegexp(
      '^Lambda concurrency in account 555555555555, Region eu-north-1: the reservations sum to 801 \\(gateway vehicle-registry ConsumerFunction 501, gateway vehicle-registry-2 ConsumerFunction 200, central CentralFunction 100\\), above the limit of 800 .* state different quotas \\(gateway vehicle-registry 1000, gateway vehicle-registry-2 900, central 1000\\): the smallest counts',
    );
    Annotations.fromStack(over.stack).hasError('/Test/Gateway', summary);
    Annotations.fromStack(over.other).hasError('/Other/Gateway', summary);
    Annotations.fromStack(over.other).hasError('/Other/Central', summary);
  });
});
