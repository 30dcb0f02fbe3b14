import {
  MANIFEST_HEADER,
  MAX_MANIFEST_BYTES,
  ManifestError,
  manifestHeaders,
  readRequestManifest,
  readResponseManifest,
  SIGNATURE_HEADER,
  signManifest,
  type SignerKeyResolver,
  type RequestManifest,
  type ResponseManifest,
} from '../../../../lambdas/core/trust/manifest';
import { keyIdOf } from '../../../../lambdas/core/kernel/signatures';
import { newTestKey } from '../../../support/memory-adapters';
import { thrownBy } from '../../../support/assertions';

const GATEWAY = 'DEV/GOV/70000002/gw1';
const key = newTestKey();
const keyId = keyIdOf(key.spki);
const lookup: SignerKeyResolver = ({ gateway, keyId: id }) =>
  gateway === GATEWAY && id === keyId ? { publicKey: key.spkiBase64 } : { problem: 'unknown key' };
/** Signs as the gateway's own key would in `kms` mode. */
const session = { gateway: GATEWAY, keyId, sign: (bytes: Buffer) => key.sign(bytes) };

const requestManifest: RequestManifest = {
  type: 'sild.request.v1',
  client: 'DEV/GOV/70000002/tax-records',
  service: 'DEV/GOV/70000001/population/persons',
  xRoadId: 'x-road-id-1',
  requestId: 'request-id-1',
  userId: 'EE12345678901',
  method: 'GET',
  target: '/r1/DEV/GOV/70000001/population/persons/123',
  headers: ['x-road-client', 'x-road-id'],
  requestHash: 'aGFzaA==',
  createdAt: '2025-03-01T12:00:00.000Z',
  signer: { gateway: GATEWAY, keyId },
};

const responseManifest: ResponseManifest = {
  type: 'sild.response.v1',
  xRoadId: 'x-road-id-1',
  requestId: 'request-id-1',
  requestHash: 'aGFzaA==',
  status: 200,
  headers: ['content-type'],
  responseHash: 'cmVzcG9uc2U=',
  createdAt: '2025-03-01T12:00:01.000Z',
  signer: { gateway: GATEWAY, keyId },
};

async function signedHeaders(manifest: RequestManifest | ResponseManifest = requestManifest): Promise<Record<string, string>> {
  return manifestHeaders(await signManifest(session, () => manifest));
}

function expectManifestError(fn: () => unknown, reason: ManifestError['reason']): ManifestError {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(ManifestError);
  expect((error as ManifestError).reason).toBe(reason);
  return error as ManifestError;
}

/** The manifest header with its JSON replaced by `json` (unsigned). */
function withManifestJson(headers: Record<string, string>, json: string): Record<string, string> {
  return { ...headers, [MANIFEST_HEADER]: Buffer.from(json).toString('base64') };
}

describe('signManifest / readRequestManifest', () => {
  test('round trip: the reader gets the same manifest, bytes and signature', async () => {
    const signed = await signManifest(session, () => requestManifest);
    const headers = manifestHeaders(signed);
    expect(Object.keys(headers).sort()).toEqual([MANIFEST_HEADER, SIGNATURE_HEADER].sort());
    const read = readRequestManifest({ ...headers, 'other-header': 'x' }, lookup);
    expect(read.manifest).toEqual(requestManifest);
    expect(read.bytes.equals(signed.bytes)).toBe(true);
    expect(read.signature.equals(signed.signature)).toBe(true);
  });

  test('the signed bytes are the manifest JSON', async () => {
    const signed = await signManifest(session, () => requestManifest);
    expect(JSON.parse(signed.bytes.toString('utf8'))).toEqual(requestManifest);
  });

  test('response manifests round trip through readResponseManifest', async () => {
    expect(readResponseManifest(await signedHeaders(responseManifest), lookup).manifest).toEqual(responseManifest);
  });

  test('a request manifest is not accepted as a response manifest, nor the reverse', async () => {
    const requestHeaders = await signedHeaders(requestManifest);
    const responseHeaders = await signedHeaders(responseManifest);
    expectManifestError(() => readResponseManifest(requestHeaders, lookup), 'malformed');
    expectManifestError(() => readRequestManifest(responseHeaders, lookup), 'malformed');
  });

  test.each([MANIFEST_HEADER, SIGNATURE_HEADER])('missing %s → missing', async (name) => {
    const headers = await signedHeaders();
    const { [name]: _removed, ...rest } = headers;
    void _removed;
    expectManifestError(() => readRequestManifest(rest, lookup), 'missing');
    expectManifestError(() => readRequestManifest({ ...headers, [name]: '' }, lookup), 'missing');
  });

  test('no headers at all → missing', () => {
    expectManifestError(() => readRequestManifest({}, lookup), 'missing');
  });

  test('garbage base64 → malformed', async () => {
    const headers = await signedHeaders();
    expectManifestError(() => readRequestManifest({ ...headers, [MANIFEST_HEADER]: '!!!not base64 at all***' }, lookup), 'malformed');
  });

  test('valid base64 of non-JSON → malformed', async () => {
    const headers = withManifestJson(await signedHeaders(), '{"type": sild');
    expectManifestError(() => readRequestManifest(headers, lookup), 'malformed');
  });

  test('JSON of the wrong shape → malformed', async () => {
    const headers = await signedHeaders();
    expectManifestError(() => readRequestManifest(withManifestJson(headers, '[]'), lookup), 'malformed');
    expectManifestError(() => readRequestManifest(withManifestJson(headers, 'null'), lookup), 'malformed');
    const { requestHash: _hash, ...noHash } = requestManifest;
    void _hash;
    expectManifestError(() => readRequestManifest(withManifestJson(headers, JSON.stringify(noHash)), lookup), 'malformed');
    expectManifestError(
      () => readRequestManifest(withManifestJson(headers, JSON.stringify({ ...requestManifest, type: 'sild.request.v2' })), lookup),
      'malformed',
    );
  });

  test('a manifest over the size limit → malformed, before the key is looked up', async () => {
    const headers = await signedHeaders();
    const big = JSON.stringify({ ...requestManifest, issue: 'x'.repeat(MAX_MANIFEST_BYTES) });
    const spy = jest.fn(lookup);
    expectManifestError(() => readRequestManifest(withManifestJson(headers, big), spy), 'malformed');
    expect(spy).not.toHaveBeenCalled();
  });

  test('a key the configuration does not publish → unknown-key', async () => {
    const headers = await signedHeaders();
    expectManifestError(() => readRequestManifest(headers, () => ({ problem: 'unknown key' })), 'unknown-key');
    // Signed by a gateway that is not the one the configuration has the key for.
    const other = await signedHeaders({ ...requestManifest, signer: { gateway: 'DEV/GOV/70000009/gw1', keyId } });
    expectManifestError(() => readRequestManifest(other, lookup), 'unknown-key');
  });

  test('a flipped signature byte → bad-signature', async () => {
    const headers = await signedHeaders();
    for (const index of [0, 10, -1]) {
      const signature = Buffer.from(headers[SIGNATURE_HEADER], 'base64');
      const at = index < 0 ? signature.length + index : index;
      signature[at] ^= 0x01;
      expectManifestError(() => readRequestManifest({ ...headers, [SIGNATURE_HEADER]: signature.toString('base64') }, lookup), 'bad-signature');
    }
  });

  test('an altered manifest byte (still valid JSON) → bad-signature', async () => {
    const headers = await signedHeaders();
    const bytes = Buffer.from(headers[MANIFEST_HEADER], 'base64');
    const at = bytes.indexOf('/123');
    expect(at).toBeGreaterThan(0);
    bytes[at + 1] = '4'.charCodeAt(0); // target …/persons/123 → …/persons/423
    expectManifestError(() => readRequestManifest({ ...headers, [MANIFEST_HEADER]: bytes.toString('base64') }, lookup), 'bad-signature');
  });

  test('a signature by another key under the published key id → bad-signature', async () => {
    const impostor = newTestKey();
    const headers = manifestHeaders(await signManifest({ ...session, sign: (bytes: Buffer) => impostor.sign(bytes) }, () => requestManifest));
    expectManifestError(() => readRequestManifest(headers, lookup), 'bad-signature');
  });

  test('a garbage or truncated signature → bad-signature, not a crash', async () => {
    const headers = await signedHeaders();
    expectManifestError(() => readRequestManifest({ ...headers, [SIGNATURE_HEADER]: 'AAAA' }, lookup), 'bad-signature');
    const signature = Buffer.from(headers[SIGNATURE_HEADER], 'base64');
    expectManifestError(
      () => readRequestManifest({ ...headers, [SIGNATURE_HEADER]: signature.subarray(0, signature.length - 2).toString('base64') }, lookup),
      'bad-signature',
    );
  });
});
