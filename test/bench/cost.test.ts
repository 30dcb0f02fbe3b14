/**
 * The all-in cost model: what each deployment mode's fronts cost per message, and storage, PITR and logs priced for a
 * steady flow kept for the retention — so the benchmark's dollars add up to what a bill would show.
 */
import { allInCostPerMillion, type AllInInputs } from '../../bench/cost';

const inputs: AllInInputs = {
  kmsSignPerMessage: 0,
  kmsOtherPerMessage: 0,
  dynamoWriteUnitsPerMessage: 14,
  dynamoReadUnitsPerMessage: 0,
  lambdaMsPerMessage: 100,
  lambdaMemoryMb: 512,
  storedBytesPerMessage: 8 * 1024,
  retentionDays: 30,
  logBytesPerMessage: 4 * 1024,
  logRetentionDays: 90,
};

describe('allInCostPerMillion', () => {
  test('the fronts of each mode: HTTP APIs $2, the default $4.50 + WAF $0.60, private $7 + WAF $0.60', () => {
    expect(allInCostPerMillion(inputs, 'http')).toMatchObject({ apiGateway: 2, waf: 0 });
    expect(allInCostPerMillion(inputs, 'default').apiGateway).toBeCloseTo(4.5);
    expect(allInCostPerMillion(inputs, 'default').waf).toBeCloseTo(0.6);
    expect(allInCostPerMillion(inputs, 'private').apiGateway).toBeCloseTo(7);
  });

  test('storage and PITR for a month of messages kept 30 days; log ingestion and 90 days of log storage; the total adds up', () => {
    const cost = allInCostPerMillion(inputs, 'http');
    const storedGb = (8 * 1024 * 1e6) / 1024 ** 3;
    expect(cost.dynamoStorage).toBeCloseTo(storedGb * 0.25);
    expect(cost.dynamoPitr).toBeCloseTo(storedGb * 0.2);
    const logGb = (4 * 1024 * 1e6) / 1024 ** 3;
    expect(cost.logs).toBeCloseTo(logGb * 0.5 + logGb * 3 * 0.03);
    const { total, ...items } = cost;
    expect(total).toBeCloseTo(Object.values(items).reduce((sum, value) => sum + value, 0));
    expect(cost.dynamoWrites).toBeCloseTo(14 * 0.625);
  });

  test('bodies kept in S3: $5 per million PUTs and $0.023 per GB-month for the retention', () => {
    const cost = allInCostPerMillion({ ...inputs, s3PutsPerMessage: 2, s3BytesPerMessage: 128 * 1024 }, 'http');
    expect(cost.s3Requests).toBeCloseTo(10);
    expect(cost.s3Storage).toBeCloseTo(((128 * 1024 * 1e6) / 1024 ** 3) * 0.023);
    expect(cost.total - allInCostPerMillion(inputs, 'http').total).toBeCloseTo(cost.s3Requests + cost.s3Storage);
  });
});

describe('memoryChoices', () => {
  test('waiting stays, CPU stretches by 1 / vCPU share (capped at one vCPU); the cost follows GB-s', async () => {
    const { memoryChoices } = await import('../../bench/report');
    const scenario = { profile: 'realistic', body: 'small', concurrency: 1, gateway: { consumerMs: 30, providerMs: 20, cpuMsPerMessage: 10 } };
    const [small, , , one, large] = memoryChoices([scenario as never]);
    expect(small.durationMs).toBeCloseTo(40 + 10 / (256 / 1769));
    expect(one.durationMs).toBeCloseTo(50);
    expect(large.durationMs).toBeCloseTo(50);
    expect(large.lambdaUsdPerMillion).toBeGreaterThan(one.lambdaUsdPerMillion);
  });
});
