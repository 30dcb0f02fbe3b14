import { createHash } from 'node:crypto';
import { messageHash, requestHash, responseHash, sha256Base64, sha256Hex, signedHeaderNames } from '../../../../lambdas/core/kernel/hashing';

/** X-Road's definition, written out independently of the implementation. */
function xroadHash(startLines: string[], headers: [string, string][], body: Buffer): string {
  const sha512 = (data: Buffer) => createHash('sha512').update(data).digest();
  const headerPart = Buffer.from(
    startLines.map((line) => `${line}\r\n`).join('') + headers.map(([name, value]) => `${name}:${value}\r\n`).join(''),
    'utf8',
  );
  if (body.length === 0) return sha512(headerPart).toString('base64');
  return sha512(Buffer.concat([sha512(headerPart), sha512(body)])).toString('base64');
}

const TARGET = '/r1/DEV/GOV/70000001/population/persons/123?x=1';
const HEADERS = { 'content-type': 'application/json', 'x-road-client': 'DEV/GOV/70000002/tax-records', 'x-road-id': 'id-1' };
const NAMES = signedHeaderNames(HEADERS);
const BODY = Buffer.from('{"name":"Mari"}');

describe('requestHash', () => {
  test('is base64(SHA512(SHA512(headerPart) || SHA512(body))) with a body', () => {
    const expected = xroadHash(
      ['POST', TARGET],
      NAMES.map((name) => [name, HEADERS[name as keyof typeof HEADERS]]),
      BODY,
    );
    expect(requestHash('POST', TARGET, HEADERS, NAMES, BODY)).toBe(expected);
  });

  test('is base64(SHA512(headerPart)) without a body', () => {
    const headerPart = `GET\r\n${TARGET}\r\n${NAMES.map((name) => `${name}:${HEADERS[name as keyof typeof HEADERS]}\r\n`).join('')}`;
    const expected = createHash('sha512').update(headerPart).digest('base64');
    expect(requestHash('GET', TARGET, HEADERS, NAMES, Buffer.alloc(0))).toBe(expected);
  });

  test('the header part is exactly VERB CRLF target CRLF (name:value CRLF)*', () => {
    const expected = createHash('sha512').update('GET\r\n/p?q\r\na:1\r\nb:two words\r\n').digest('base64');
    expect(requestHash('GET', '/p?q', { a: '1', b: 'two words' }, ['a', 'b'], Buffer.alloc(0))).toBe(expected);
  });

  test('is a base64 SHA-512 digest (64 bytes)', () => {
    expect(Buffer.from(requestHash('GET', TARGET, HEADERS, NAMES, BODY), 'base64')).toHaveLength(64);
  });

  test('covers the headers in the order given, and only those named', () => {
    const ab = requestHash('GET', '/p', { a: '1', b: '2' }, ['a', 'b'], Buffer.alloc(0));
    expect(requestHash('GET', '/p', { a: '1', b: '2' }, ['b', 'a'], Buffer.alloc(0))).not.toBe(ab);
    expect(requestHash('GET', '/p', { a: '1', b: '2', c: 'unsigned' }, ['a', 'b'], Buffer.alloc(0))).toBe(ab);
  });

  test('a named header that is absent adds no line (so removing a header is never the same as emptying it)', () => {
    expect(requestHash('GET', '/p', {}, ['a'], Buffer.alloc(0))).toBe(xroadHash(['GET', '/p'], [], Buffer.alloc(0)));
    expect(requestHash('GET', '/p', { a: '' }, ['a'], Buffer.alloc(0))).not.toBe(requestHash('GET', '/p', {}, ['a'], Buffer.alloc(0)));
  });

  test('a repeated header adds one line per value, in order', () => {
    expect(requestHash('GET', '/p', { a: ['1', '2'] }, ['a'], Buffer.alloc(0))).toBe(
      xroadHash(
        ['GET', '/p'],
        [
          ['a', '1'],
          ['a', '2'],
        ],
        Buffer.alloc(0),
      ),
    );
    expect(requestHash('GET', '/p', { a: ['2', '1'] }, ['a'], Buffer.alloc(0))).not.toBe(
      requestHash('GET', '/p', { a: ['1', '2'] }, ['a'], Buffer.alloc(0)),
    );
  });

  describe('changes when any covered input changes', () => {
    const base = requestHash('POST', TARGET, HEADERS, NAMES, BODY);
    test.each<[string, () => string]>([
      ['method', () => requestHash('PUT', TARGET, HEADERS, NAMES, BODY)],
      ['path', () => requestHash('POST', TARGET.replace('123', '124'), HEADERS, NAMES, BODY)],
      ['query', () => requestHash('POST', `${TARGET}&y=2`, HEADERS, NAMES, BODY)],
      ['header value', () => requestHash('POST', TARGET, { ...HEADERS, 'x-road-id': 'id-2' }, NAMES, BODY)],
      ['header set', () => requestHash('POST', TARGET, { ...HEADERS, 'x-extra': '1' }, signedHeaderNames({ ...HEADERS, 'x-extra': '1' }), BODY)],
      ['body (one byte)', () => requestHash('POST', TARGET, HEADERS, NAMES, Buffer.from('{"name":"Mary"}'))],
      ['body removed', () => requestHash('POST', TARGET, HEADERS, NAMES, Buffer.alloc(0))],
    ])('%s', (_what, changed) => {
      expect(changed()).not.toBe(base);
    });
  });

  test('moving bytes between header part and body changes the hash', () => {
    expect(requestHash('GET', '/p', {}, [], Buffer.from('x'))).not.toBe(requestHash('GET', '/px', {}, [], Buffer.alloc(0)));
  });
});

describe('responseHash and messageHash', () => {
  test('responseHash hashes STATUS CRLF then the headers and body by the same rule', () => {
    const headers = { 'content-type': 'application/json' };
    expect(responseHash(200, headers, ['content-type'], BODY)).toBe(xroadHash(['200'], [['content-type', 'application/json']], BODY));
    expect(responseHash(201, headers, ['content-type'], BODY)).not.toBe(responseHash(200, headers, ['content-type'], BODY));
  });

  test('requestHash is messageHash over [method, target]', () => {
    expect(requestHash('GET', '/p', HEADERS, NAMES, BODY)).toBe(messageHash(['GET', '/p'], HEADERS, NAMES, BODY));
  });
});

describe('signedHeaderNames and SHA-256 helpers', () => {
  test('signedHeaderNames lists every header, sorted', () => {
    expect(signedHeaderNames({ b: '1', 'x-road-id': '2', a: '3' })).toEqual(['a', 'b', 'x-road-id']);
    expect(signedHeaderNames({})).toEqual([]);
  });

  test('sha256Base64 / sha256Hex match node:crypto', () => {
    expect(sha256Base64('abc')).toBe(createHash('sha256').update('abc').digest('base64'));
    expect(sha256Hex(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
