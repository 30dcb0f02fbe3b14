import { headersOf, requestTarget, singleHeaders, type Headers, type HttpRequest } from '../../../../../../lambdas/core/kernel/http';
import { formatClientId } from '../../../../../../lambdas/core/kernel/identifiers';
import {
  lastClientIdentifier,
  methodOverrideRefusal,
  withoutMethodOverrides,
  parseServicePath,
  parseServiceRequest,
  xRoadRequestHeaders,
} from '../../../../../../lambdas/core/exchange/protocols/rest/message';
import { MAX_HEADER_VALUE_LENGTH, XROAD } from '../../../../../../lambdas/core/exchange/xroad-headers';
import { expectXRoadError } from '../../../../../support/assertions';

const PERSONS = '/r1/DEV/GOV/70000001/population/persons';
const PERSONS_ID = { instance: 'DEV', memberClass: 'GOV', memberCode: '70000001', subsystemCode: 'population', serviceCode: 'persons' };
const CLIENT = 'DEV/GOV/70000002/tax-records';

/** A request; headers may be given as single values. */
function request(overrides: Partial<Omit<HttpRequest, 'headers'>> & { headers?: Headers | Record<string, string> } = {}): HttpRequest {
  const { headers = { [XROAD.client]: CLIENT }, ...rest } = overrides;
  const asHeaders = Object.values(headers).every((value) => Array.isArray(value))
    ? (headers as Headers)
    : singleHeaders(headers as Record<string, string>);
  return { method: 'GET', rawPath: `${PERSONS}/123`, rawQuery: 'x', body: Buffer.alloc(0), ...rest, headers: asHeaders };
}

const fixedId = () => 'generated-id';

describe('parseServicePath', () => {
  test('splits the service id from the remaining path', () => {
    expect(parseServicePath(`${PERSONS}/123`)).toEqual({ service: PERSONS_ID, servicePath: { encoded: '/123', segments: ['123'] } });
  });

  test('no remainder → empty service path; trailing slash → "/"', () => {
    expect(parseServicePath(PERSONS).servicePath).toEqual({ encoded: '', segments: [''] });
    expect(parseServicePath(`${PERSONS}/`).servicePath).toEqual({ encoded: '/', segments: [''] });
  });

  test('the remainder is kept percent-encoded (and decoded per segment for access rights), deep paths kept whole', () => {
    expect(parseServicePath(`${PERSONS}/a%2Cb/c%20d/%3F`).servicePath).toEqual({ encoded: '/a%2Cb/c%20d/%3F', segments: ['a,b', 'c d', '?'] });
    expect(parseServicePath(`${PERSONS}/1/2/3/4/5/6`).servicePath.encoded).toBe('/1/2/3/4/5/6');
  });

  test('id segments are decoded one by one', () => {
    expect(parseServicePath('/r1/DEV/GOV/7000%2B0001/pop%3Dx/get%3Fv').service).toEqual({
      ...PERSONS_ID,
      memberCode: '7000+0001',
      subsystemCode: 'pop=x',
      serviceCode: 'get?v',
    });
  });

  test('%2F in an id segment does not shift the parts: it is refused as a character', () => {
    const error = expectXRoadError(() => parseServicePath('/r1/DEV/GOV/700%2F01/population/persons'), 'Client.BadRequest');
    expect(error.message).toMatch(/character/);
  });

  test.each(['/r2/DEV/GOV/70000001/population/persons', '/r0/x', '/r10'])('%j → Client.InvalidProtocolVersion', (path) => {
    expectXRoadError(() => parseServicePath(path), 'Client.InvalidProtocolVersion', 400);
  });

  test.each([
    '/foo',
    '/',
    '',
    'r1/DEV/GOV/70000001/population/persons',
    '/R1/DEV/GOV/70000001/population/persons',
    '//r1/DEV/GOV/70000001/population/persons',
    '/rx/a',
  ])('%j → Client.BadRequest', (path) => {
    expectXRoadError(() => parseServicePath(path), 'Client.BadRequest', 400);
  });

  test.each(['/r1', '/r1/', '/r1/DEV', '/r1/DEV/GOV/70000001', '/r1/DEV/GOV/70000001/population'])(
    'fewer than 5 id segments %j → Client.BadRequest',
    (path) => {
      expectXRoadError(() => parseServicePath(path), 'Client.BadRequest', 400);
    },
  );

  test.each([
    '/r1/DEV/GOV/70000001/population/',
    '/r1/DEV//70000001/population/persons',
    '/r1/DEV/GOV/70000001/popu lation/persons',
    '/r1/DEV/GOV/70000001/population/%zz',
    `/r1/DEV/GOV/70000001/population/${'p'.repeat(256)}`,
  ])('an invalid id segment %j → Client.BadRequest', (path) => {
    expectXRoadError(() => parseServicePath(path), 'Client.BadRequest', 400);
  });
});

describe('parseServiceRequest', () => {
  test('parses path, query and X-Road headers', () => {
    const parsed = parseServiceRequest(
      request({
        method: 'post',
        headers: {
          [XROAD.client]: CLIENT,
          [XROAD.id]: 'abc-123',
          [XROAD.userId]: 'EE12345678901',
          [XROAD.issue]: 'case 42',
          [XROAD.representedParty]: 'COM/12345',
        },
      }),
      fixedId,
    );
    expect(parsed).toEqual({
      client: { instance: 'DEV', memberClass: 'GOV', memberCode: '70000002', subsystemCode: 'tax-records' },
      service: PERSONS_ID,
      servicePath: { encoded: '/123', segments: ['123'] },
      rawQuery: 'x',
      method: 'POST',
      xRoadId: 'abc-123',
      userId: 'EE12345678901',
      issue: 'case 42',
      representedParty: 'COM/12345',
    });
  });

  test('the query stays separate from the service path', () => {
    const parsed = parseServiceRequest(request({ rawPath: `${PERSONS}/123`, rawQuery: 'a=1&b=%20' }), fixedId);
    expect(parsed.servicePath.encoded).toBe('/123');
    expect(parsed.rawQuery).toBe('a=1&b=%20');
    expect(parseServiceRequest(request({ rawQuery: '' }), fixedId).rawQuery).toBe('');
  });

  test.each([undefined, '', '   '])('X-Road-Client %j → Client.MissingHeader', (value) => {
    const headers: Record<string, string> = value === undefined ? {} : { [XROAD.client]: value };
    expectXRoadError(() => parseServiceRequest(request({ headers }), fixedId), 'Client.MissingHeader', 400);
  });

  test('header names are matched lower-case, as headersOf produces them; every value is kept and the last X-Road-Client wins', () => {
    const headers = headersOf([
      ['X-Road-Client', 'DEV/GOV/70000009/other'],
      ['x-road-client', CLIENT],
      ['X-ROAD-ID', 'id-1'],
      ['X-Ignored', undefined],
    ]);
    expect(headers).toEqual({ 'x-road-client': ['DEV/GOV/70000009/other', CLIENT], 'x-road-id': ['id-1'] });
    const parsed = parseServiceRequest(request({ headers }), fixedId);
    expect(formatClientId(parsed.client)).toBe(CLIENT);
    expect(parsed.xRoadId).toBe('id-1');
  });

  test('X-Road-Client is trimmed, and a malformed one is Client.InvalidClientIdentifier', () => {
    expect(formatClientId(parseServiceRequest(request({ headers: { [XROAD.client]: `  ${CLIENT} ` } }), fixedId).client)).toBe(CLIENT);
    for (const bad of ['DEV/GOV', 'DEV/GOV/1/a/b', 'DEV/GOV/1/a b', 'DEV/GOV/%zz']) {
      expectXRoadError(() => parseServiceRequest(request({ headers: { [XROAD.client]: bad } }), fixedId), 'Client.InvalidClientIdentifier', 400);
    }
  });

  test('X-Road-Id is generated with the injected newId only when absent or blank', () => {
    const newId = jest.fn(() => 'fresh-uuid');
    expect(parseServiceRequest(request(), newId).xRoadId).toBe('fresh-uuid');
    expect(parseServiceRequest(request({ headers: { [XROAD.client]: CLIENT, [XROAD.id]: '  ' } }), newId).xRoadId).toBe('fresh-uuid');
    expect(newId).toHaveBeenCalledTimes(2);
    expect(parseServiceRequest(request({ headers: { [XROAD.client]: CLIENT, [XROAD.id]: 'given' } }), newId).xRoadId).toBe('given');
    expect(newId).toHaveBeenCalledTimes(2);
  });

  test('without newId, a UUID is generated', () => {
    expect(parseServiceRequest(request()).xRoadId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('optional headers are trimmed and absent when blank', () => {
    const parsed = parseServiceRequest(request({ headers: { [XROAD.client]: CLIENT, [XROAD.userId]: '  u1 ', [XROAD.issue]: '' } }), fixedId);
    expect(parsed.userId).toBe('u1');
    expect(parsed.issue).toBeUndefined();
    expect(parsed.representedParty).toBeUndefined();
  });

  test.each([XROAD.id, XROAD.userId, XROAD.issue])('%s longer than 255 characters → Client.BadRequest; 255 accepted', (name) => {
    expect(MAX_HEADER_VALUE_LENGTH).toBe(255);
    expect(() => parseServiceRequest(request({ headers: { [XROAD.client]: CLIENT, [name]: 'v'.repeat(255) } }), fixedId)).not.toThrow();
    expectXRoadError(
      () => parseServiceRequest(request({ headers: { [XROAD.client]: CLIENT, [name]: 'v'.repeat(256) } }), fixedId),
      'Client.BadRequest',
      400,
    );
  });

  test.each([
    [XROAD.id, 'a\u0000b'],
    [XROAD.userId, 'a\nb'],
    [XROAD.issue, 'a\tb'],
    [XROAD.issue, 'a\rb'],
    [XROAD.userId, 'a\u001bb'],
    [XROAD.id, 'a\u007fb'],
  ])('%s with a control character → Client.BadRequest', (name, value) => {
    expectXRoadError(() => parseServiceRequest(request({ headers: { [XROAD.client]: CLIENT, [name]: value } }), fixedId), 'Client.BadRequest', 400);
  });

  test.each(['12345', 'COM/12345'])('represented party %j ([CLASS/]CODE) is accepted', (value) => {
    expect(parseServiceRequest(request({ headers: { [XROAD.client]: CLIENT, [XROAD.representedParty]: value } }), fixedId).representedParty).toBe(
      value,
    );
  });

  test.each(['COM/1/2', '/12345', 'COM/', '/'])('represented party %j → Client.BadRequest', (value) => {
    expectXRoadError(
      () => parseServiceRequest(request({ headers: { [XROAD.client]: CLIENT, [XROAD.representedParty]: value } }), fixedId),
      'Client.BadRequest',
      400,
    );
  });

  test('a bad path is reported even when headers are fine', () => {
    expectXRoadError(
      () => parseServiceRequest(request({ rawPath: '/r2/DEV/GOV/70000001/population/persons' }), fixedId),
      'Client.InvalidProtocolVersion',
    );
  });
});

describe('xRoadRequestHeaders and requestTarget', () => {
  test('carries client and id always, optional headers only when present', () => {
    const parsed = parseServiceRequest(request(), fixedId);
    expect(xRoadRequestHeaders(parsed, formatClientId)).toEqual(singleHeaders({ [XROAD.client]: CLIENT, [XROAD.id]: 'generated-id' }));
    const full = parseServiceRequest(
      request({ headers: { [XROAD.client]: CLIENT, [XROAD.userId]: 'u', [XROAD.issue]: 'i', [XROAD.representedParty]: 'COM/1' } }),
      fixedId,
    );
    expect(xRoadRequestHeaders(full, formatClientId)).toEqual(
      singleHeaders({
        [XROAD.client]: CLIENT,
        [XROAD.id]: 'generated-id',
        [XROAD.userId]: 'u',
        [XROAD.issue]: 'i',
        [XROAD.representedParty]: 'COM/1',
      }),
    );
  });

  test('requestTarget appends ?query only when there is one', () => {
    expect(requestTarget('/r1/a', '')).toBe('/r1/a');
    expect(requestTarget('/r1/a', 'x=1')).toBe('/r1/a?x=1');
  });
});

describe('lastClientIdentifier (repeated X-Road-Client lines joined with commas)', () => {
  const TAX = 'DEV/GOV/70000002/tax-records';
  test('one identifier, commas inside its parts included, is that identifier', () => {
    expect(formatClientId(lastClientIdentifier(TAX))).toBe(TAX);
    expect(formatClientId(lastClientIdentifier('DEV/GOV/7,1/a,b'))).toBe('DEV/GOV/7%2C1/a%2Cb');
  });
  test('two or more joined identifiers: the last one wins (PR-REST)', () => {
    expect(formatClientId(lastClientIdentifier(`DEV/GOV/1/other,${TAX}`))).toBe(TAX);
    expect(formatClientId(lastClientIdentifier(`DEV/GOV/1/a, DEV/GOV/2/b,${TAX}`))).toBe(TAX);
  });
  test('a value that reads as identifiers in more than one way is refused', () => {
    expectXRoadError(() => lastClientIdentifier(`${TAX},x,${TAX}`), 'Client.InvalidClientIdentifier', 400);
  });
  test('pieces that are no identifiers are refused with the single-identifier reason', () => {
    expect(expectXRoadError(() => lastClientIdentifier('DEV,GOV'), 'Client.InvalidClientIdentifier', 400).message).toMatch(/3 or 4 parts/);
  });
  test('a long list of commas is refused without a search', () => {
    expectXRoadError(() => lastClientIdentifier(`${TAX}${',x'.repeat(200)}`), 'Client.InvalidClientIdentifier', 400);
  });
});

describe('withoutMethodOverrides', () => {
  test.each([
    ['a=1&_method=DELETE&b=2', 'a=1&b=2'],
    ['%5Fmethod=PUT', ''],
    ['X-HTTP-Method-Override=DELETE&x=%2F', 'x=%2F'],
    ['x-http-method=DELETE&X-Method-Override=1&keep', 'keep'],
    ['method=DELETE&_methods=1&a=%zz', 'method=DELETE&_methods=1&a=%zz'],
    ['', ''],
    ['.method=DELETE&a=1', 'a=1'],
    ['%5Bmethod=DELETE', ''],
    ['a=1&+_method=PUT&x%20method=1', 'a=1&x%20method=1'],
    ['a=1;_method=DELETE', 'a=1'],
    ['_method=DELETE;a=1&b=2;c', 'a=1&b=2;c'],
    ['a[method]=1&a.b=2', 'a[method]=1&a.b=2'],
  ])('%j → %j (everything else byte for byte; ";" separates too, names also as PHP reads them)', (query, kept) => {
    expect(withoutMethodOverrides(query)).toBe(kept);
  });
});

describe('methodOverrideRefusal (a method override in the body)', () => {
  const multipart = (disposition: string) =>
    `--b\r\nContent-Disposition: form-data; name="keep"\r\n\r\n1\r\n--b\r\n${disposition}\r\n\r\nDELETE\r\n--b--\r\n`;
  test.each([
    [{ 'content-type': 'application/x-www-form-urlencoded' }, 'a=1&_method=DELETE'],
    [{ 'content-type': 'Application/X-WWW-Form-Urlencoded; charset=utf-8' }, 'a=1&.method=DELETE'],
    [{}, '_method=DELETE'], // Rack parses a POST body without a Content-Type as a form
    [{ 'content-type': 'application/x-www-form-urlencoded' }, 'a=1;X-HTTP-Method-Override=DELETE'],
    [{ 'content-type': 'multipart/form-data; boundary=b' }, multipart('Content-Disposition: form-data; name="_method"')],
    [{ 'content-type': 'multipart/form-data; boundary=b' }, multipart('content-disposition: form-data; name=_method')],
    [{ 'content-type': 'multipart/form-data; boundary=b' }, multipart("Content-Disposition: form-data; name*=utf-8''_method")],
    [{ 'content-type': 'application/json' }, '{"data":1,"_method":"DELETE"}'],
    [{ 'content-type': 'application/vnd.api+json' }, '{"\\u005fmethod":"DELETE"}'],
  ])('%j %j → Client.BadRequest', (headers, body) => {
    expect(methodOverrideRefusal(singleHeaders(headers), Buffer.from(body))).toMatchObject({ type: 'Client.BadRequest' });
  });

  test('every Content-Type line counts (a backend may read the first, the layer the last)', () => {
    expect(
      methodOverrideRefusal(
        headersOf([
          ['content-type', 'application/x-www-form-urlencoded'],
          ['content-type', 'text/plain'],
        ]),
        Buffer.from('_method=DELETE'),
      ),
    ).toMatchObject({ type: 'Client.BadRequest' });
  });

  test.each([
    [{ 'content-type': 'application/x-www-form-urlencoded' }, 'method=DELETE&note=_method'],
    [{ 'content-type': 'text/plain' }, '_method=DELETE'],
    [{ 'content-type': 'application/json' }, '{"data":{"_method":"DELETE"},"method":"x"}'],
    [{ 'content-type': 'application/json' }, '["_method"]'],
    [{ 'content-type': 'multipart/form-data; boundary=b' }, multipart('Content-Disposition: form-data; name="file"; filename="_method"')],
    [{}, ''],
  ])('%j %j passes', (headers, body) => {
    expect(methodOverrideRefusal(singleHeaders(headers), Buffer.from(body))).toBeUndefined();
  });
});
