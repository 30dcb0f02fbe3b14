/**
 * The `ConfigurationDistribution` contract against `S3ConfigurationDistribution` (the local S3 endpoint, a new bucket
 * per test; an outage is a bucket that is not there) and against `MemoryConfigurationDistribution`, which unit tests
 * give the central's publisher.
 */
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { configurationVersionKey, S3ConfigurationDistribution } from '../../lambdas/adapters/s3-configuration-distribution';
import type { SignedGlobalConfiguration } from '../../lambdas/core/trust/global-configuration';
import type { ConfigurationDistribution } from '../../lambdas/core/central/ports';
import { startLocalS3, type LocalS3Endpoint } from '../../lib/local/s3-endpoint';
import { MemoryConfigurationDistribution } from '../support/memory-adapters';
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

// It keeps every version, as the versioned bucket does, and has no way to be made unavailable.
describeConfigurationDistributionContract('MemoryConfigurationDistribution', {
  make: async () => new MemoryConfigurationDistribution(),
  keptVersion: async (distribution, version) =>
    (distribution as MemoryConfigurationDistribution).published.find((entry) => entry.version === version)?.signed,
});
