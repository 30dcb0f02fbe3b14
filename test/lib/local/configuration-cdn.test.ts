/**
 * The local CDN answers conditional and compressed requests as CloudFront does (issue 25): an unchanged configuration
 * costs a gateway a 304 and no body, and the CDN a conditional GET of the bucket per max-age.
 */
import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createAwsClients, type AwsClients } from '../../../lambdas/adapters/aws-clients';
import { CURRENT_CONFIGURATION_KEY, CURRENT_MAX_AGE_SECONDS } from '../../../lambdas/adapters/s3-configuration-distribution';
import { startConfigurationCdn, type ConfigurationCdn } from '../../../lib/local/configuration-cdn';
import { LOCAL_CREDENTIALS } from '../../../lib/local/emulators';
import { httpCall } from '../../../lib/local/http-call';
import { startLocalS3, type LocalS3Endpoint } from '../../../lib/local/s3-endpoint';

let s3: LocalS3Endpoint;
let clients: AwsClients;
let cdn: ConfigurationCdn;
let now = Date.now();
const document = JSON.stringify({ document: 'x'.repeat(4000), header: 'h', signature: 's' });

beforeAll(async () => {
  s3 = await startLocalS3();
  clients = createAwsClients({ region: 'eu-north-1', endpoints: { s3: s3.url }, credentials: LOCAL_CREDENTIALS });
  await clients.s3.send(new CreateBucketCommand({ Bucket: 'conf' }));
  await clients.s3.send(new PutObjectCommand({ Bucket: 'conf', Key: CURRENT_CONFIGURATION_KEY, Body: document }));
  cdn = await startConfigurationCdn({ s3: clients.s3, bucket: 'conf', now: () => now });
});
afterAll(async () => {
  await cdn.stop();
  clients.s3.destroy();
  await s3.stop();
});

test('an ETag with each object; If-None-Match naming it is 304 without a body; a gzip viewer gets gzip under a weak tag', async () => {
  const url = `${cdn.url}/${CURRENT_CONFIGURATION_KEY}`;
  const first = await httpCall(url);
  expect(first.status).toBe(200);
  expect(first.body.toString()).toBe(document);
  const etag = String(first.headers.etag);
  expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
  const again = await httpCall(url, { headers: { 'if-none-match': etag } });
  expect({ status: again.status, bytes: again.body.length }).toEqual({ status: 304, bytes: 0 });
  const gzipped = await httpCall(url, { headers: { 'accept-encoding': 'gzip' } });
  expect(gzipped.headers).toMatchObject({ 'content-encoding': 'gzip', etag: `W/${etag}` });
  expect(gunzipSync(gzipped.body).toString()).toBe(document);
  expect((await httpCall(url, { headers: { 'accept-encoding': 'gzip', 'if-none-match': `W/${etag}` } })).status).toBe(304);
});

test('an expired object is revalidated with the bucket (S3 answers 304 while unchanged), a changed one fetched', async () => {
  const url = `${cdn.url}/${CURRENT_CONFIGURATION_KEY}`;
  const reads = cdn.originReads();
  now += (CURRENT_MAX_AGE_SECONDS + 1) * 1000;
  expect((await httpCall(url)).body.toString()).toBe(document);
  expect(cdn.originReads()).toBe(reads + 1);
  await clients.s3.send(new PutObjectCommand({ Bucket: 'conf', Key: CURRENT_CONFIGURATION_KEY, Body: `${document} ` }));
  now += (CURRENT_MAX_AGE_SECONDS + 1) * 1000;
  expect((await httpCall(url)).body.toString()).toBe(`${document} `);
});
