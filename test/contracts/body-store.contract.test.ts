/**
 * The `BodyStore` contract against `S3BodyStore` (the local S3 endpoint, a new bucket per test; shared URLs fetched
 * with a plain HTTP GET; an outage is the endpoint unreachable) and `MemoryBodyStore`.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { S3BodyStore } from '../../lambdas/adapters/s3-body-store';
import { httpCall } from '../../lib/local/http-call';
import { startLocalS3, type LocalS3Endpoint } from '../../lib/local/s3-endpoint';
import { MemoryBodyStore } from '../support/memory-adapters';
import { describeBodyStoreContract } from './body-store.contract';
import { closedPortUrl, destroyClients, localClients } from './contract-support';

let s3: LocalS3Endpoint;
let clients: AwsClients;
let down: AwsClients;
let buckets = 0;
beforeAll(async () => {
  s3 = await startLocalS3();
  clients = localClients({ s3: s3.url });
  down = localClients({ s3: await closedPortUrl() }, 1);
});
afterAll(async () => {
  destroyClients(clients, down);
  await s3?.stop();
});

describeBodyStoreContract('S3BodyStore', {
  make: async () => {
    const bucket = `contract-bodies-${(buckets += 1)}`;
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    return new S3BodyStore(() => clients.s3, bucket, { endpoint: s3.url });
  },
  fetchShared: (url) => httpCall(url),
  unavailable: { make: async () => new S3BodyStore(down.s3, 'contract-bodies', { endpoint: down.s3Endpoint }), fails: ['put', 'get'] },
});

// Its shared URLs (`https://bodies.test/…`) answer nowhere: the core's tests never fetch them.
describeBodyStoreContract('MemoryBodyStore', {
  make: async () => new MemoryBodyStore(),
  unavailable: { make: async () => Object.assign(new MemoryBodyStore(), { failing: true }), fails: ['put'] },
});
