import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { headersOf } from '../../../lambdas/core/kernel/http';
import { createHash } from 'node:crypto';
import {
  certificateIdOf,
  ITEM_NAMES,
  itemToRecord,
  loggedAtOf,
  recordToItem,
  referencedCertificate,
  storedHashOf,
  WRITE_ID,
} from '../../../lambdas/adapters/message-log-item';
import type { MessageLogRecord } from '../../../lambdas/core/log/records';
import { recordHash } from '../../../lambdas/core/log/seal';
import { itemSize } from '../../../bench/aws-call-counter';

const client = 'DEV/GOV/70000002/tax-records';
const xRoadId = '6de8a005-cbf0-4885-9a49-e9ef4e963bd0';
const certificate = Buffer.from(JSON.stringify({ header: 'x'.repeat(300), signature: 'y'.repeat(150) })).toString('base64');
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64');
const requestManifest = {
  type: 'sild.request.v1',
  client,
  service: 'DEV/GOV/70000001/population/persons',
  xRoadId,
  requestId: 'eab4b0e6-3c61-41ec-b98a-d05c506f1e2c',
  method: 'GET',
  target: '/r1/DEV/GOV/70000001/population/persons/123',
  headers: ['x-road-client', 'x-road-id'],
  requestHash: 'Xyu0SxBLnz8qE9viNjBIqYXG0VOdTcnf0oTfT9Dqlbo=',
  createdAt: '2026-11-27T23:03:32.539Z',
  signer: { gateway: 'tax-office', keyId: 'session-4f1c2a77d1e0' },
};
const request: MessageLogRecord = {
  client,
  xRoadId,
  side: 'consumer',
  direction: 'request',
  service: requestManifest.service,
  requestId: requestManifest.requestId,
  method: 'GET',
  target: requestManifest.target,
  loggedAt: '2026-11-27T23:03:32.543Z',
  manifest: b64(requestManifest),
  signature: Buffer.alloc(71, 7).toString('base64'),
  certificate,
  headers: { 'x-road-client': [client], 'x-road-id': [xRoadId] },
  bodySha256: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
  bodyBytes: 0,
  bodyLogged: 'inline',
  body: Buffer.alloc(0),
};
const storage = { sk: 'consumer#request', recordHash: recordHash(request).toString('base64'), sealWindow: '29930343#1', expiresAt: 1798412640 };
const certificates = new Map([[certificateIdOf(certificate), certificate]]);

describe('message-log items', () => {
  test('a record reads back exactly (same record hash), with its certificate from the certificate store', () => {
    const item = recordToItem(request, storage);
    expect(referencedCertificate(item)).toBe(certificateIdOf(certificate));
    const back = itemToRecord(item, certificates);
    expect(back).toEqual(request);
    expect(recordHash(back)).toEqual(recordHash(request));
  });

  test('headers named `__proto__` and `constructor` read back (same record hash), also through the SDK’s marshalling both ways', () => {
    const peerNamed: MessageLogRecord = {
      ...request,
      headers: headersOf([['__proto__', 'x'], ['constructor', 'y'], ...Object.entries(request.headers!)]),
    };
    const item = recordToItem(peerNamed, storage);
    const throughSdk = unmarshall(marshall(item, { removeUndefinedValues: true }));
    for (const back of [itemToRecord(item, certificates), itemToRecord(throughSdk, certificates)]) {
      expect(Object.keys(back.headers!)).toEqual(['__proto__', 'constructor', 'x-road-client', 'x-road-id']);
      expect(recordHash(back)).toEqual(recordHash(peerNamed));
    }
  });

  test('fields the signed manifest states are not stored twice; ones that differ from it are', () => {
    const item = recordToItem(request, storage);
    expect(Object.keys(item)).not.toEqual(expect.arrayContaining(['client', 'xRoadId', 'side', 'direction']));
    expect(item).not.toHaveProperty('tg');
    expect(item).not.toHaveProperty('sv');
    const differing = { ...request, target: '/r1/DEV/GOV/70000001/population/persons/124' };
    const stored = recordToItem(differing, storage);
    expect(stored.tg).toBe(differing.target);
    expect(itemToRecord(stored, certificates)).toEqual(differing);
  });

  test('a layer error without a manifest keeps every field', () => {
    const refused: MessageLogRecord = {
      client,
      xRoadId,
      side: 'provider',
      direction: 'response',
      service: requestManifest.service,
      requestId: 'r',
      method: 'POST',
      target: '/r1/x',
      status: 403,
      loggedAt: request.loggedAt,
      errorType: 'Server.ServerProxy.AccessDenied',
      bodySha256: request.bodySha256,
      bodyBytes: 12,
      bodyLogged: 'withheld',
    };
    const item = recordToItem(refused, { ...storage, sk: 'provider#response' });
    expect(itemToRecord(item)).toEqual(refused);
  });

  test('lossless whatever a peer controls: a certificate spelt without base64 padding stays as it was (inline), not re-encoded', () => {
    const unpadded = `${certificate.replace(/=+$/, '')}`;
    const odd = certificate.endsWith('=') ? unpadded : `${certificate}\n`;
    const peer = { ...request, certificate: odd };
    const item = recordToItem(peer, storage);
    expect(referencedCertificate(item)).toBeUndefined();
    const back = itemToRecord(item);
    expect(back.certificate).toBe(odd);
    expect(recordHash(back)).toEqual(recordHash(peer));
  });

  test('lossless: fields a record lacks but a peer manifest states (extra keys survive in the signed bytes) stay absent', () => {
    const responseManifest = {
      type: 'sild.response.v1',
      xRoadId,
      requestId: request.requestId,
      requestHash: 'h',
      status: 200,
      headers: [],
      responseHash: 'r',
      createdAt: request.loggedAt,
      signer: { gateway: 'p', keyId: 'k' },
      userId: 'injected',
      service: 'DEV/GOV/9/x/y',
    };
    const response: MessageLogRecord = {
      ...request,
      direction: 'response',
      status: 200,
      manifest: b64(responseManifest),
      certificate: undefined,
      userId: undefined,
    };
    const item = recordToItem(response, { ...storage, sk: 'consumer#response' });
    const back = itemToRecord(item);
    expect(back).toEqual(response);
    expect(recordHash(back)).toEqual(recordHash(response));
    const withStatus = { ...request, manifest: b64({ ...requestManifest, status: 1 }) };
    expect(recordHash(itemToRecord(recordToItem(withStatus, storage), certificates))).toEqual(recordHash(withStatus));
  });

  test('a missing certificate leaves the record without it, so its hash no longer matches', () => {
    const back = itemToRecord(recordToItem(request, storage));
    expect(back.certificate).toBeUndefined();
    expect(recordHash(back)).not.toEqual(recordHash(request));
  });

  test("a typical GET's request record is under 1 KB with its write id: one write unit", () => {
    expect(itemSize(marshall({ ...recordToItem(request, storage), [WRITE_ID]: Buffer.alloc(8) }))).toBeLessThan(1024);
  });

  test('headers are stored as name:value lines, each value of a repeated header on its own line, and read back as they were', () => {
    const repeated: MessageLogRecord = {
      ...request,
      headers: headersOf([
        ['set-cookie', 'a=1'],
        ['x-multi', 'one'],
        ['set-cookie', 'b=2; Path=/'],
        ['x-empty', ''],
        ...Object.entries(request.headers!),
      ]),
    };
    const item = recordToItem(repeated, storage);
    expect(item[ITEM_NAMES.headers]).toBe(
      `set-cookie:a=1\nset-cookie:b=2; Path=/\nx-multi:one\nx-empty:\nx-road-client:${client}\nx-road-id:${xRoadId}`,
    );
    expect(itemToRecord(unmarshall(marshall(item, { removeUndefinedValues: true })), certificates).headers).toEqual(repeated.headers);
    // Smaller than a map or [name, values] pairs, which cost a list and its elements per header.
    expect(itemSize(marshall(item))).toBeLessThan(itemSize(marshall({ ...item, [ITEM_NAMES.headers]: Object.entries(repeated.headers!) })));
  });

  test('headers HTTP could not carry (a line break in a value), and no headers at all, are stored as pairs and read back', () => {
    for (const headers of [{ 'x-odd': ['a\nb'] }, {}] as Record<string, string[]>[]) {
      const item = recordToItem({ ...request, headers }, storage);
      expect(Array.isArray(item[ITEM_NAMES.headers])).toBe(true);
      expect(itemToRecord(unmarshall(marshall(item, { removeUndefinedValues: true })), certificates).headers).toEqual(headers);
    }
  });

  test('items written with [name, values] pairs still read', () => {
    const item = { ...recordToItem(request, storage), [ITEM_NAMES.headers]: Object.entries(request.headers!) };
    expect(itemToRecord(item, certificates)).toEqual(request);
  });

  test('items written before the compact format still read', () => {
    const legacy = {
      ...request,
      manifest: Buffer.from(request.manifest!, 'base64'),
      signature: Buffer.from(request.signature!, 'base64'),
      certificate: Buffer.from(certificate, 'base64'),
      pk: `${client} ${xRoadId}`,
      ...storage,
    };
    expect(itemToRecord(legacy)).toEqual(request);
  });

  describe('the format without the seal index (time as epoch ms, hash as bytes, inline bodies and a response’s request fields not repeated)', () => {
    const body = Buffer.from(JSON.stringify({ id: '123', name: 'x'.repeat(178) }));
    const responseManifest = {
      type: 'sild.response.v1',
      xRoadId,
      requestId: request.requestId,
      requestHash: 'w1N6k0HNlT4dxe8RpyZKRP9ZY62xASYiVBwxHolrL6gSHcTu/d21zWFR5Ypf7wnya9NF1wqdSaERLqXrMgJzpg==',
      status: 200,
      headers: ['content-type'],
      responseHash: 'gFBmgV28fdmLKOC6KPvxKmfOUUD3TFw9yLy/AocRkIdtbxOUpHCa+Zwuo7sRNsBY9jsiRreWkBm4keP1eAbQdQ==',
      createdAt: '2026-11-27T23:03:32.601Z',
      signer: { gateway: 'DEV/GOV/70000001/population-registry', keyId: 'eacab7fb907a1d2e74a3c6be55a4696e' },
    };
    const response: MessageLogRecord = {
      ...request,
      direction: 'response',
      status: 200,
      loggedAt: '2026-11-27T23:03:32.611Z',
      manifest: b64(responseManifest),
      signature: Buffer.alloc(72, 9).toString('base64'),
      headers: { 'content-type': ['application/json'] },
      bodySha256: createHash('sha256').update(body).digest('base64'),
      bodyBytes: body.length,
      body,
    };
    const responseStorage = { sk: 'consumer#response', recordHash: recordHash(response).toString('base64'), expiresAt: storage.expiresAt };

    test('a 200-byte answer’s response record is under 1 KB with its write id: one write unit (its request too)', () => {
      expect(body.length).toBe(200);
      const item = recordToItem(response, responseStorage, request);
      for (const name of [
        'loggedAt',
        'recordHash',
        'sealWindow',
        ITEM_NAMES.bodySha256,
        ITEM_NAMES.bodyBytes,
        ITEM_NAMES.bodyLogged,
        ITEM_NAMES.service,
        ITEM_NAMES.method,
        ITEM_NAMES.target,
      ])
        expect(item).not.toHaveProperty(name);
      expect(itemSize(marshall({ ...item, [WRITE_ID]: Buffer.alloc(8) }))).toBeLessThanOrEqual(1024);
      expect(itemSize(marshall({ ...recordToItem(request, storage), [WRITE_ID]: Buffer.alloc(8) }))).toBeLessThanOrEqual(1024);
    });

    test('it reads back exactly with its request record (same record hash), also through the SDK’s marshalling', () => {
      const item = unmarshall(marshall(recordToItem(response, responseStorage, request), { removeUndefinedValues: true }));
      const back = itemToRecord(item, certificates, request);
      expect(back).toEqual(response);
      expect(recordHash(back)).toEqual(recordHash(response));
      expect(storedHashOf(item)).toBe(responseStorage.recordHash);
      expect(loggedAtOf(item)).toBe(response.loggedAt);
    });

    test('without its request record a response reads without the request fields, so its hash fails (what an audit reports)', () => {
      const back = itemToRecord(recordToItem(response, responseStorage, request), certificates);
      expect(back.service).toBeUndefined();
      expect(recordHash(back)).not.toEqual(recordHash(response));
    });

    test('a writer that did not log the request (or logged it in another window) stores the fields; so does one whose request differs', () => {
      const alone = recordToItem(response, responseStorage);
      expect(alone[ITEM_NAMES.target]).toBe(response.target);
      expect(itemToRecord(alone, certificates)).toEqual(response);
      const otherTarget = { ...request, target: '/other' };
      const differing = recordToItem(response, responseStorage, otherTarget);
      expect(differing[ITEM_NAMES.target]).toBe(response.target);
      expect(differing).not.toHaveProperty(ITEM_NAMES.service);
      expect(itemToRecord(differing, certificates, otherTarget)).toEqual(response);
      const noUser = recordToItem(response, responseStorage, { ...request, userId: 'someone' });
      expect(noUser[ITEM_NAMES.userId]).toBeNull();
      expect(itemToRecord(noUser, certificates, { ...request, userId: 'someone' })).toEqual(response);
    });

    test('a body that does not match its stated hash keeps the stated hash (so the mismatch stays visible); a loggedAt that is not an exact ISO time stays text', () => {
      const odd = { ...response, bodySha256: request.bodySha256, loggedAt: '2026-11-27T23:03:32Z' };
      const item = recordToItem(odd, responseStorage, request);
      expect(item[ITEM_NAMES.bodySha256]).toBeDefined();
      expect(item.loggedAt).toBe(odd.loggedAt);
      expect(itemToRecord(item, certificates, request)).toEqual({ ...odd, service: odd.service, method: odd.method, target: odd.target });
    });

    test('items of the format before (loggedAt, recordHash in base64, every field stored) still read', () => {
      const before = {
        ...recordToItem(response, responseStorage),
        loggedAt: response.loggedAt,
        recordHash: responseStorage.recordHash,
        sealWindow: '29930343#1',
      };
      delete (before as Record<string, unknown>).t;
      delete (before as Record<string, unknown>).rh;
      Object.assign(before, { bh: Buffer.from(response.bodySha256, 'base64'), bn: response.bodyBytes, bl: 'inline' });
      expect(itemToRecord(before, certificates)).toEqual(response);
      expect(storedHashOf(before)).toBe(responseStorage.recordHash);
    });
  });
});
