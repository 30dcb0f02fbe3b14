/**
 * The concurrency plan promises, for every (account, Region) a config deploys to, what Sild's functions reserve
 * there, against what Lambda lets them reserve — the quota the parties state (the smallest when they disagree) less
 * the min(quota, 100) Lambda keeps unreserved — and a summary naming account, Region, sum and limit.
 */
import { concurrencyPlan, gatewayParty, planOfParties, unreservedMinimum } from '../../../lib/config/concurrency-plan';
import { gatewayConfigOf, splitEcosystemConfig } from '../../../lib/config/ecosystem-config';
import { configWith, demoConfig } from '../../support/synth';

/** The demo's agencies, all in one account, with `change` applied to each. */
const sharedAccount = (change: (agency: any, index: number) => void = () => {}) =>
  configWith((raw) => {
    raw.agencies.forEach((agency: any, index: number) => {
      agency.account = '222222222222';
      change(agency, index);
    });
  });

describe('concurrencyPlan', () => {
  test('the demo reserves nothing anywhere: every (account, Region) fits, ordered by account', () => {
    const plan = concurrencyPlan(demoConfig());
    expect(plan.map(({ account, region, parties, sum, quota, limit, ok }) => ({ account, region, parties, sum, quota, limit, ok }))).toEqual([
      { account: '111111111111', region: 'eu-north-1', parties: ['central'], sum: 0, quota: 1000, limit: 900, ok: true },
      { account: '222222222222', region: 'eu-north-1', parties: ['gateway population-registry'], sum: 0, quota: 1000, limit: 900, ok: true },
      { account: '333333333333', region: 'eu-north-1', parties: ['gateway tax-board'], sum: 0, quota: 1000, limit: 900, ok: true },
      { account: '444444444444', region: 'eu-north-1', parties: ['gateway business-registry'], sum: 0, quota: 1000, limit: 900, ok: true },
    ]);
  });

  // The former defaults (100/100/2 per gateway, canary 1, registrar 1): five gateways in one account failed at deploy.
  test('gateways sharing an account are summed: what used to be reserved by default does not fit there', () => {
    const five = configWith((raw) => {
      raw.agencies = [0, 1, 2, 3, 4].map((index) => ({
        name: `agency-${index}`,
        account: '222222222222',
        region: 'eu-north-1',
        member: { class: 'GOV', code: `7000000${index}`, name: `Agency ${index}` },
        subsystems: ['sub'],
        concurrency: { consumer: 100, provider: 100, sealer: 2 },
      }));
    });
    const [, shared] = concurrencyPlan(five);
    expect(shared).toMatchObject({
      account: '222222222222',
      region: 'eu-north-1',
      sum: 1010,
      quota: 1000,
      unreservedMinimum: 100,
      limit: 900,
      ok: false,
    });
    expect(shared.reservations).toHaveLength(15);
    expect(shared.reservations[0]).toEqual({ party: 'gateway agency-0', function: 'ConsumerFunction', reserved: 100 });
    expect(shared.summary).toMatch(
      /^Lambda concurrency in account 222222222222, Region eu-north-1: the reservations sum to 1010 \(gateway agency-0 ConsumerFunction 100, .*\), above the limit of 900 — the quota of 1000 less the 100 Lambda keeps unreserved/,
    );
    expect(shared.summary).toMatch(/lambdaConcurrencyQuota/);
  });

  test('a sum exactly at the limit fits; one more does not', () => {
    const at = (consumer: number) =>
      concurrencyPlan(sharedAccount((agency, index) => index === 0 && (agency.concurrency = { consumer, provider: 400 })))[1];
    expect(at(500)).toMatchObject({ sum: 900, ok: true });
    expect(at(501)).toMatchObject({ sum: 901, ok: false });
  });

  test('with a quota below 100 (a new account: 10) Lambda keeps all of it unreserved: no reservation fits', () => {
    expect(unreservedMinimum(10)).toBe(10);
    expect(unreservedMinimum(1000)).toBe(100);
    const plan = concurrencyPlan(
      sharedAccount((agency, index) => {
        agency.lambdaConcurrencyQuota = 10;
        if (index === 2) agency.concurrency = { sealer: 1 };
      }),
    )[1];
    expect(plan).toMatchObject({ sum: 1, quota: 10, unreservedMinimum: 10, limit: 0, ok: false });
    expect(plan.summary).toMatch(
      /the reservations sum to 1 \(gateway business-registry SealerFunction 1\), above the limit of 0 — the quota of 10 less the 10 Lambda keeps unreserved/,
    );
  });

  test('parties in one account stating different quotas: the smallest counts, and the summary says so', () => {
    const plan = concurrencyPlan(
      sharedAccount((agency, index) => {
        agency.lambdaConcurrencyQuota = [5000, 3000, 4000][index];
        if (index === 0) agency.concurrency = { consumer: 2950 };
      }),
    )[1];
    expect(plan).toMatchObject({ quota: 3000, limit: 2900, ok: false });
    expect(plan.statedQuotas).toEqual([
      { party: 'gateway population-registry', quota: 5000 },
      { party: 'gateway tax-board', quota: 3000 },
      { party: 'gateway business-registry', quota: 4000 },
    ]);
    expect(plan.summary).toMatch(
      /state different quotas \(gateway population-registry 5000, gateway tax-board 3000, gateway business-registry 4000\): the smallest counts/,
    );
  });

  test("takes the documents each party owns: the central operator's, an agency's own; the same Region of another account is apart", () => {
    const config = configWith((raw) => (raw.central.concurrency = 20));
    const { central, gateways } = splitEcosystemConfig(config);
    expect(concurrencyPlan({ central })).toEqual([
      expect.objectContaining({ account: '111111111111', reservations: [{ party: 'central', function: 'CentralFunction', reserved: 20 }], ok: true }),
    ]);
    expect(concurrencyPlan({ gateways: [gateways[1]] })).toEqual([
      expect.objectContaining({ account: '333333333333', parties: ['gateway tax-board'], sum: 0 }),
    ]);
    expect(concurrencyPlan(config)).toEqual(concurrencyPlan({ central, gateways }));
    expect(
      planOfParties([
        gatewayParty(gatewayConfigOf(config, config.agencies[0])),
        { ...gatewayParty(gatewayConfigOf(config, config.agencies[1])), account: '222222222222', region: 'eu-west-1' },
      ]).map((plan) => plan.region),
    ).toEqual(['eu-north-1', 'eu-west-1']);
  });
});
