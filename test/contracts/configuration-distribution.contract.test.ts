/**
 * The `ConfigurationDistribution` contract against `S3ConfigurationDistribution` (the local S3 endpoint, a new bucket
 * per test; an outage is a bucket that is not there) and against the in-memory distribution the central's publisher
 * uses when it is given none (`lambdas/core/central.ts`). That one is private to the core, which is not to be edited
 * here, so it is taken from a publisher built without a store.
 */
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { configurationVersionKey, S3ConfigurationDistribution } from '../../lambdas/adapters/s3-configuration-distribution';
import { GlobalConfigurationPublisher, type CentralDeps } from '../../lambdas/core/central';
import type { SignedGlobalConfiguration } from '../../lambdas/core/global-configuration';
import type { ConfigurationDistribution } from '../../lambdas/core/ports';
import { startLocalS3, type LocalS3Endpoint } from '../../lib/local/s3-endpoint';
import { describeConfigurationDistributionContract } from './configuration-distribution.contract';
import { destroyClients, localClients } from './contract-support';

let s3: LocalS3Endpoint;
let clients: AwsClients;
let buckets = 0;
const bucketOf = new WeakMap<ConfigurationDistribution, string>();
beforeAll(async () => {
  s3 = await startLocalS3();
  clients = localClients({ s3: s3.url }, 1);
});
afterAll(async () => {
  destroyClients(clients);
  await s3?.stop();
});

describeConfigurationDistributionContract('S3ConfigurationDistribution', {
  make: async () => {
    const bucket = `contract-globalconf-${(buckets += 1)}`;
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const distribution = new S3ConfigurationDistribution(clients.s3, bucket);
    bucketOf.set(distribution, bucket);
    return distribution;
  },
  keptVersion: async (distribution, version) => {
    try {
      const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucketOf.get(distribution), Key: configurationVersionKey(version) }));
      return JSON.parse(await object.Body!.transformToString('utf8')) as SignedGlobalConfiguration;
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  },
  unavailable: () => new S3ConfigurationDistribution(clients.s3, 'contract-missing-bucket'),
});

// It keeps the newest only (no versions), and has no way to be made unavailable.
describeConfigurationDistributionContract('GlobalConfigurationPublisher’s in-memory distribution', {
  make: async () => Reflect.get(new GlobalConfigurationPublisher({} as CentralDeps), 'distribution') as ConfigurationDistribution,
});
