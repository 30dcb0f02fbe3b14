/**
 * S3BodyStore.shareUrl promises a presigned GET that never claims to outlive the credentials that signed it (S3 stops
 * honouring a URL when its credentials expire): credentials expiring within the TTL are refreshed first, the URL's
 * lifetime is bounded by what remains, and too short a remainder fails rather than yield a URL the receiver cannot use.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@smithy/types';
import { MIN_SHARE_SECONDS, S3BodyStore } from '../../../lambdas/adapters/s3-body-store';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const LOCATION = 's3://sild-bodies/transfer/abc';

/** An S3 client as far as presigning reads it: its Region and a (memoized) credentials provider. */
function storeWith(...identities: AwsCredentialIdentity[]) {
  const calls: { forceRefresh?: boolean }[] = [];
  const client = {
    config: {
      region: async () => 'eu-north-1',
      credentials: async (options: { forceRefresh?: boolean } = {}) => {
        calls.push(options);
        return identities[Math.min(calls.length - 1, identities.length - 1)];
      },
    },
  } as unknown as S3Client;
  return { store: new S3BodyStore(client, 'sild-bodies', { clock: { now: () => NOW } }), calls };
}

const expiringIn = (seconds: number, key = 'AKIA1'): AwsCredentialIdentity => ({
  accessKeyId: key,
  secretAccessKey: 'secret',
  sessionToken: 'token',
  expiration: new Date(NOW + seconds * 1000),
});
const query = (url: string) => new URL(url).searchParams;

describe('S3BodyStore.shareUrl', () => {
  test('credentials valid well beyond the TTL: the URL lives the TTL, signed by them (no refresh)', async () => {
    const { store, calls } = storeWith(expiringIn(3600));
    const url = await store.shareUrl(LOCATION, 120);
    expect(url.startsWith('https://sild-bodies.s3.eu-north-1.amazonaws.com/transfer/abc?')).toBe(true);
    expect(query(url).get('X-Amz-Expires')).toBe('120');
    expect(query(url).get('X-Amz-Credential')).toMatch(/^AKIA1\//);
    expect(query(url).get('X-Amz-Security-Token')).toBe('token');
    expect(calls).toEqual([{}]);
  });

  test('credentials without a known expiry: the TTL alone bounds it', async () => {
    const { store } = storeWith({ accessKeyId: 'AKIA1', secretAccessKey: 'secret' });
    expect(query(await store.shareUrl(LOCATION, 120)).get('X-Amz-Expires')).toBe('120');
  });

  test('credentials expiring within the TTL are refreshed first, and the fresh ones sign', async () => {
    const { store, calls } = storeWith(expiringIn(60), expiringIn(3600, 'AKIA2'));
    const url = await store.shareUrl(LOCATION, 120);
    expect(calls).toEqual([{}, { forceRefresh: true }]);
    expect(query(url).get('X-Amz-Expires')).toBe('120');
    expect(query(url).get('X-Amz-Credential')).toMatch(/^AKIA2\//);
  });

  test('credentials that cannot be refreshed (a Lambda function’s) bound the URL: it expires before them, with a margin', async () => {
    const { store } = storeWith(expiringIn(70));
    expect(query(await store.shareUrl(LOCATION, 120)).get('X-Amz-Expires')).toBe('60');
  });

  test('too little left even after a refresh: sharing fails, naming why', async () => {
    const { store } = storeWith(expiringIn(MIN_SHARE_SECONDS));
    await expect(store.shareUrl(LOCATION, 120)).rejects.toThrow(/credentials expire in 30 s, too soon to share a body by URL/);
  });
});
