import {
  clientError,
  consumerError,
  errorResponse,
  LayerFault,
  prefersXml,
  providerError,
  XRoadError,
  type ErrorBody,
} from '../../../../lambdas/core/kernel/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function bodyOf(response: { body: Buffer }): ErrorBody {
  return JSON.parse(response.body.toString('utf8')) as ErrorBody;
}

describe('XRoadError', () => {
  test('type is origin.code and the status comes from the code', () => {
    const error = new XRoadError('Server.ServerProxy', 'AccessDenied', 'no');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('XRoadError');
    expect(error.type).toBe('Server.ServerProxy.AccessDenied');
    expect(error.status).toBe(403);
  });

  test('an explicit status overrides the default; the cause is kept', () => {
    const cause = new Error('socket hang up');
    const error = new XRoadError('Server.ServerProxy', 'ServiceFailed', 'timeout', { status: 504, cause });
    expect(error.status).toBe(504);
    expect(error.cause).toBe(cause);
  });

  test('shorthands produce the three origins', () => {
    expect(clientError('BadRequest', 'x').type).toBe('Client.BadRequest');
    expect(consumerError('UnknownMember', 'x').type).toBe('Server.ClientProxy.UnknownMember');
    expect(providerError('UnknownService', 'x').type).toBe('Server.ServerProxy.UnknownService');
  });

  test.each<[Parameters<typeof clientError>[0], number]>([
    ['BadRequest', 400],
    ['MissingHeader', 400],
    ['InvalidClientIdentifier', 400],
    ['InvalidProtocolVersion', 400],
    ['AccessDenied', 403],
    ['Unauthorized', 403],
    ['UnknownService', 404],
    ['DuplicateMessageId', 409],
    ['RequestTooLarge', 413],
    ['InternalError', 500],
    ['ServiceFailed', 502],
    ['OutdatedGlobalConf', 503],
    ['LoggingFailed', 503],
  ])('%s → %i', (code, status) => {
    expect(clientError(code, 'x').status).toBe(status);
  });
});

describe('errorResponse', () => {
  test('an XRoadError keeps its type, status and message; the body is exactly {type, message, detail}', () => {
    const response = errorResponse(providerError('AccessDenied', 'DEV/GOV/1/x may not call GET /'), 'Server.ClientProxy', 'detail-1');
    expect(response.status).toBe(403);
    expect(response.headers['x-road-error']?.[0]).toBe('Server.ServerProxy.AccessDenied');
    expect(response.headers['content-type']).toEqual(['application/json;charset=utf-8']);
    const body = bodyOf(response);
    expect(Object.keys(body).sort()).toEqual(['detail', 'message', 'type']);
    expect(body).toEqual({ type: 'Server.ServerProxy.AccessDenied', message: 'DEV/GOV/1/x may not call GET /', detail: 'detail-1' });
  });

  test("an XRoadError's own origin wins over the handler's", () => {
    expect(errorResponse(clientError('BadRequest', 'x'), 'Server.ServerProxy').headers['x-road-error']?.[0]).toBe('Client.BadRequest');
  });

  test('an explicit status on the XRoadError is kept', () => {
    expect(errorResponse(new XRoadError('Server.ServerProxy', 'ServiceFailed', 't', { status: 504 })).status).toBe(504);
  });

  test.each(['Server.ClientProxy', 'Server.ServerProxy', 'Client'] as const)('a LayerFault gets the origin prefix %s', (origin) => {
    const response = errorResponse(new LayerFault('OutdatedGlobalConf', 'The global configuration has expired'), origin, 'd');
    expect(response.status).toBe(503);
    expect(response.headers['x-road-error']?.[0]).toBe(`${origin}.OutdatedGlobalConf`);
    expect(bodyOf(response)).toEqual({ type: `${origin}.OutdatedGlobalConf`, message: 'The global configuration has expired', detail: 'd' });
  });

  test('the default origin is Server.ClientProxy', () => {
    expect(errorResponse(new LayerFault('LoggingFailed', 'x')).headers['x-road-error']?.[0]).toBe('Server.ClientProxy.LoggingFailed');
    expect(errorResponse(new Error('x')).headers['x-road-error']?.[0]).toBe('Server.ClientProxy.InternalError');
  });

  test('an unknown Error becomes <origin>.InternalError 500 without its message or stack', () => {
    const secret = new Error('password=hunter2 at db.internal:5432');
    const response = errorResponse(secret, 'Server.ServerProxy', 'detail-2');
    expect(response.status).toBe(500);
    expect(response.headers['x-road-error']?.[0]).toBe('Server.ServerProxy.InternalError');
    const text = response.body.toString('utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('db.internal');
    expect(text).not.toContain(secret.stack!.split('\n')[1].trim());
    expect(text).not.toMatch(/\bat .+:\d+|\.ts\b|\.js\b|Error:/);
    const body = bodyOf(response);
    expect(Object.keys(body).sort()).toEqual(['detail', 'message', 'type']);
    expect(body.type).toBe('Server.ServerProxy.InternalError');
    expect(body.detail).toBe('detail-2');
  });

  test('a TypeError with a cause, a string or undefined thrown → InternalError too', () => {
    for (const thrown of [new TypeError("Cannot read properties of undefined (reading 'x')"), 'boom', undefined, { code: 'ECONNRESET' }]) {
      const response = errorResponse(thrown, 'Server.ClientProxy', 'd');
      expect(response.status).toBe(500);
      expect(bodyOf(response).type).toBe('Server.ClientProxy.InternalError');
      expect(response.body.toString('utf8')).not.toMatch(/reading|boom|ECONNRESET/);
    }
  });

  test('without a detail, a fresh UUID is generated per response', () => {
    const a = bodyOf(errorResponse(new Error('x'))).detail;
    const b = bodyOf(errorResponse(new Error('x'))).detail;
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);
  });
});

describe('error bodies in XML when the client prefers it (PR-REST §4.6)', () => {
  test.each<[string | undefined, string | undefined]>([
    [undefined, undefined],
    ['application/json', undefined],
    ['*/*', undefined],
    ['application/xml', 'application/xml'],
    ['text/xml', 'text/xml'],
    ['text/*', 'text/xml'],
    ['application/xml; q=0.2', 'application/xml'],
    ['application/json, application/xml;q=0.5', undefined],
    ['application/json;q=0.4, application/xml;q=0.9', 'application/xml'],
    ['text/xml, application/xml, application/json', 'text/xml'],
    ['image/png', undefined],
  ])('Accept %j → %s', (accept, expected) => {
    expect(prefersXml(accept)).toBe(expected);
  });

  test("X-Road's XML form: <error> with type, message and detail, escaped, and the XML content type", () => {
    const response = errorResponse(
      new XRoadError('Server.ServerProxy', 'AccessDenied', 'a <b> & "c"'),
      'Server.ClientProxy',
      'd-1',
      'application/xml',
    );
    expect(response.headers['content-type']).toEqual(['application/xml;charset=utf-8']);
    expect(response.headers['x-road-error']).toEqual(['Server.ServerProxy.AccessDenied']);
    expect(response.body.toString()).toBe(
      '<?xml version="1.0" encoding="UTF-8" standalone="no"?><error><type>Server.ServerProxy.AccessDenied</type><message>a &#60;b&#62; &#38; &#34;c&#34;</message><detail>d-1</detail></error>',
    );
  });
});
