import { passThroughHeaders } from '../../../../lambdas/core/exchange/header-policy';
import { XROAD } from '../../../../lambdas/core/exchange/xroad-headers';
import { headersOf, singleHeaders } from '../../../../lambdas/core/kernel/http';

const CLIENT = 'DEV/GOV/70000002/tax-records';

describe('passThroughHeaders', () => {
  test('strips hop-by-hop, host, user-agent, server, content-length, layer and AWS front headers', () => {
    const stripped = {
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
      'proxy-authorization': 'Basic x',
      'proxy-authenticate': 'Basic',
      'proxy-connection': 'close',
      te: 'trailers',
      trailer: 'x',
      'transfer-encoding': 'chunked',
      upgrade: 'h2c',
      host: 'gw.example',
      'user-agent': 'curl/8',
      server: 'nginx',
      'content-length': '10',
      via: '1.1 proxy',
      expect: '100-continue',
      date: 'Mon, 01 Jan 2024 00:00:00 GMT',
      [XROAD.client]: CLIENT,
      [XROAD.id]: 'id',
      [XROAD.error]: 'Server.X',
      [XROAD.requestHash]: 'h',
      'x-sild-manifest': 'm',
      'x-sild-signature': 's',
      'x-amz-date': '20240101T000000Z',
      'x-amz-security-token': 'token',
      'x-amzn-trace-id': 'Root=1',
      'x-amzn-requestid': 'r',
      'x-forwarded-for': '1.2.3.4',
      'x-forwarded-proto': 'https',
      'cloudfront-viewer-country': 'EE',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/20240101/eu-north-1/execute-api/aws4_request, SignedHeaders=host, Signature=abc',
    };
    expect(passThroughHeaders(singleHeaders(stripped))).toEqual({});
  });

  test('keeps content-type, accept, user headers, X-Road extension headers and a Bearer authorization, values unchanged (PR-REST §4.3)', () => {
    const kept = {
      'content-type': 'application/json; charset=utf-8',
      accept: 'application/json',
      'accept-language': 'et',
      'x-custom': '  spaced value ',
      'x-roadster': 'not an X-Road header',
      'x-road-custom-extension': 'passes like a user header',
      'x-road-security-server': 'DEV/GOV/70000001/gw1',
      authorization: 'Bearer eyJhbGciOi',
      'if-none-match': '"etag"',
    };
    expect(passThroughHeaders(singleHeaders(kept))).toEqual(singleHeaders(kept));
  });

  test('a name spelled with "_" for "-" is dropped like its dashed spelling (CGI, WSGI, Rack and PHP read both as one variable)', () => {
    const underscored = [
      'X_Road_Client',
      'x_road_userid',
      'X_Forwarded_For',
      'X_HTTP_Method_Override',
      'X_Original_URL',
      'X_Sild_Manifest',
      'X_Amz_Security_Token',
      'Content_Length',
      'Transfer_Encoding',
      'X-Road_Id',
      'True_Client_IP',
    ];
    expect(passThroughHeaders(headersOf(underscored.map((name) => [name, 'x'])))).toEqual({});
    expect(passThroughHeaders(singleHeaders({ authorization_: 'kept', x_custom_header: 'kept' }))).toEqual(
      singleHeaders({ authorization_: 'kept', x_custom_header: 'kept' }),
    );
  });

  test.each([
    'cf-connecting-ip',
    'cf-connecting-ipv6',
    'cf-pseudo-ipv4',
    'fastly-client-ip',
    'akamai-client-ip',
    'do-connecting-ip',
    'x-appengine-user-ip',
    'x-azure-clientip',
    'fly-client-ip',
    'x-nf-client-connection-ip',
    'x-forwarded',
    'forwarded-for',
    'x-original-forwarded-for',
    'true-client-ip',
  ])('the client-address header %s, which address libraries and CDNs read, is dropped', (name) => {
    expect(passThroughHeaders(singleHeaders({ [name]: '10.0.0.1' }))).toEqual({});
  });

  test('a repeated header keeps every value in order', () => {
    expect(passThroughHeaders({ 'set-cookie': ['a=1', 'b=2'], 'x-multi': ['1', '2', '3'] })).toEqual({
      'set-cookie': ['a=1', 'b=2'],
      'x-multi': ['1', '2', '3'],
    });
  });

  test('filters a mixed set', () => {
    expect(passThroughHeaders(singleHeaders({ 'content-type': 'text/plain', host: 'h', 'x-road-client': CLIENT, 'x-my-header': '1' }))).toEqual({
      'content-type': ['text/plain'],
      'x-my-header': ['1'],
    });
  });

  test('does not modify its input', () => {
    const headers = singleHeaders({ host: 'h', accept: '*/*' });
    passThroughHeaders(headers);
    expect(headers).toEqual({ host: ['h'], accept: ['*/*'] });
  });
});
