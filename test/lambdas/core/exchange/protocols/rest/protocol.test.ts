import { restProtocol } from '../../../../../../lambdas/core/exchange/protocols/rest/protocol';
import { clientError, providerError } from '../../../../../../lambdas/core/kernel/errors';
import { headersOf, type HttpRequest } from '../../../../../../lambdas/core/kernel/http';

const CLIENT = 'DEV/GOV/70000002/tax-records';
const SERVICE = 'DEV/GOV/70000001/population/persons';

const request = (overrides: Partial<HttpRequest> = {}): HttpRequest => ({
  method: 'GET',
  rawPath: `/r1/${SERVICE}/123;v=1`,
  rawQuery: 'a=1&_method=DELETE&b=2',
  headers: headersOf([['x-road-client', CLIENT]]),
  body: Buffer.alloc(0),
  ...overrides,
});

describe('restProtocol', () => {
  test('claims every request, so that /r2/… and malformed paths get its own errors', () => {
    expect(restProtocol.claims({ method: 'POST', rawPath: '/', rawQuery: '', headers: {} })).toBe(true);
  });

  test("the client's message: ids from the path and headers, the target without method overrides, metadata services recognised", () => {
    const message = restProtocol.readClientRequest(request(), () => 'new-id');
    expect(message).toMatchObject({
      method: 'GET',
      target: `/r1/${SERVICE}/123;v=1?a=1&b=2`,
      xRoadId: 'new-id',
      metadata: false,
      opmon: { restPath: '/123;v=1' },
    });
    expect(message.service.serviceCode).toBe('persons');
    expect(restProtocol.readClientRequest(request({ rawPath: '/r1/DEV/GOV/70000001/population/listMethods' }), () => 'id').metadata).toBe(true);
  });

  test('a body carrying a method override is refused on the consumer side', () => {
    const form = request({
      method: 'POST',
      headers: headersOf([
        ['x-road-client', CLIENT],
        ['content-type', 'application/x-www-form-urlencoded'],
      ]),
      body: Buffer.from('_method=DELETE'),
    });
    expect(() => restProtocol.readClientRequest(form, () => 'id')).toThrow(expect.objectContaining({ type: 'Client.BadRequest' }));
  });

  test('the forwarded message: both views an access right must allow, the backend URL under the base, no override parameter', () => {
    const message = restProtocol.readForwardedRequest({
      method: 'GET',
      target: `/r1/${SERVICE}/123;v=1?a=1&_method=DELETE`,
      headers: {},
      body: Buffer.alloc(0),
    });
    expect(message.accessViews).toEqual([
      { method: 'GET', segments: ['123;v=1'] },
      { method: 'GET', segments: ['123'] },
    ]);
    expect(message.callName).toBe('GET /123;v=1');
    const call = message.backendCall(
      { subsystem: 'population', code: 'persons', backendUrl: 'https://backend.example/persons', timeoutMs: 1000, type: 'rest' },
      {},
      Buffer.alloc(0),
    );
    expect(call).toMatchObject({ method: 'GET', url: 'https://backend.example/persons/123;v=1?a=1' });
    expect(message.refusal()).toBeUndefined();
  });

  test('errors are JSON, or XML when Accept prefers it, with the error status; error bodies read back in either form', () => {
    const json = restProtocol.errorAnswer(providerError('AccessDenied', 'no'), 'detail-1', request(), 'provider');
    expect(json.status).toBe(403);
    expect(restProtocol.errorBody(json.body)).toEqual({ types: ['Server.ServerProxy.AccessDenied'], message: 'no' });
    const xml = restProtocol.errorAnswer(
      clientError('BadRequest', 'bad <path>'),
      'detail-2',
      request({ headers: headersOf([['accept', 'application/xml']]) }),
      'consumer',
    );
    expect(xml.status).toBe(400);
    expect(xml.body.toString('utf8')).toContain('<type>Client.BadRequest</type>');
    expect(restProtocol.errorBody(xml.body).types).toEqual(['Client.BadRequest']);
    expect(restProtocol.errorBody(Buffer.from('<e><x:type><![CDATA[Server.ClientProxy.X]]></x:type></e>')).types).toEqual(['Server.ClientProxy.X']);
  });

  test("answers carry the exchange's X-Road headers", () => {
    const answer = restProtocol.clientAnswer(
      { status: 200, headers: headersOf([['content-type', 'text/plain']]), body: Buffer.from('ok') },
      { client: CLIENT, service: SERVICE, xRoadId: 'x', requestId: 'r', requestHash: 'h' },
    );
    expect(answer.headers).toMatchObject({
      'content-type': ['text/plain'],
      'x-road-client': [CLIENT],
      'x-road-service': [SERVICE],
      'x-road-id': ['x'],
      'x-road-request-id': ['r'],
      'x-road-request-hash': ['h'],
    });
  });

  test('opmon: REST with the method as sent', () => {
    expect(restProtocol.opmonFields(request({ method: 'PATCH' }))).toEqual({ serviceType: 'REST', restMethod: 'PATCH' });
  });
});
