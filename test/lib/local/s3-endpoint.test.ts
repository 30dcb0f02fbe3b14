import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createAwsClients, type AwsClients } from '../../../lambdas/adapters/aws-clients';
import { LOCAL_CREDENTIALS } from '../../../lib/local/emulators';
import { httpCall } from '../../../lib/local/http-call';
import { startLocalS3, type LocalS3Endpoint } from '../../../lib/local/s3-endpoint';

let s3: LocalS3Endpoint;
let clients: AwsClients;
let now = Date.now();
beforeAll(async () => {
  s3 = await startLocalS3({ now: () => now });
  clients = createAwsClients({ region: 'eu-north-1', endpoints: { s3: s3.url }, credentials: LOCAL_CREDENTIALS });
  await clients.s3.send(new CreateBucketCommand({ Bucket: 'b' }));
  await clients.s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: Buffer.from('body') }));
});
afterAll(async () => {
  clients.s3.destroy();
  await s3.stop();
});

describe('the local S3 answers as S3 does', () => {
  test('a GET with If-None-Match naming the object’s ETag is 304 Not Modified, without the body; another tag gets the object', async () => {
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
    const etag = object.ETag!;
    const error = await clients.s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k', IfNoneMatch: etag })).catch((caught: unknown) => caught);
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(304);
    const changed = await clients.s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k', IfNoneMatch: '"other"' }));
    expect(await changed.Body!.transformToString()).toBe('body');
  });

  test('a presigned GET within its expiry is served; an expired one is 403 AccessDenied', async () => {
    now = Date.now();
    const url = await getSignedUrl(clients.s3, new GetObjectCommand({ Bucket: 'b', Key: 'k' }), { expiresIn: 60 });
    expect((await httpCall(url)).body.toString()).toBe('body');
    now += 61_000;
    const expired = await httpCall(url);
    expect({ status: expired.status, body: expired.body.toString() }).toEqual({
      status: 403,
      body: expect.stringContaining('<Code>AccessDenied</Code>'),
    });
  });

  test('X-Amz-Expires above a week is refused outright (400 AuthorizationQueryParametersError), as S3 does', async () => {
    now = Date.now();
    const url = new URL(await getSignedUrl(clients.s3, new GetObjectCommand({ Bucket: 'b', Key: 'k' }), { expiresIn: 60 }));
    url.searchParams.set('X-Amz-Expires', '604801');
    const answer = await httpCall(url.href);
    expect({ status: answer.status, body: answer.body.toString() }).toEqual({
      status: 400,
      body: expect.stringContaining('<Code>AuthorizationQueryParametersError</Code>'),
    });
  });

  test('an unsigned GET, or one signed with an unknown key, is refused', async () => {
    expect((await httpCall(`${s3.url}/b/k`)).status).toBe(403);
    const stranger = createAwsClients({
      region: 'eu-north-1',
      endpoints: { s3: s3.url },
      credentials: { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    await expect(stranger.s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    stranger.s3.destroy();
  });
});
