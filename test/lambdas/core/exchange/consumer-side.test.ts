/**
 * The consumer side, on the in-memory ecosystem: what an information system gets back, what reaches the provider
 * (and only after it was logged), and that nothing the provider's gateway did not sign is passed to the client.
 */
import { headerValue, type HttpResponse } from '../../../../lambdas/core/kernel/http';
import { signAnswer } from '../../../../lambdas/core/exchange/gateway';
import type { ResponseBinding } from '../../../../lambdas/core/trust/manifest';
import { HttpClientError } from '../../../../lambdas/core/kernel/ports';
import { handleProviderRequest } from '../../../../lambdas/core/exchange/provider-side';
import { CLIENT, PERSONS, PROVIDER_URL, SERVICE, startMemoryEcosystem, type MemoryEcosystem } from '../../../support/memory-ecosystem';

const errorOf = (response: HttpResponse) => ({
  status: response.status,
  header: headerValue(response.headers, 'x-road-error'),
  ...(JSON.parse(response.body.toString('utf8')) as { type: string; message: string }),
});
const sentToProvider = (ecosystem: MemoryEcosystem) => ecosystem.http.sent.filter((request) => request.url.startsWith(PROVIDER_URL));

describe('consumer side', () => {
  let ecosystem: MemoryEcosystem;
  beforeEach(async () => {
    ecosystem = await startMemoryEcosystem();
  });

  test('a permitted call reaches the backend with its path and query as sent; the answer carries the X-Road headers', async () => {
    const response = await ecosystem.call(`${PERSONS}/123`, { query: 'fields=name%2Cborn&x=%20', headers: { 'x-road-userid': 'EE38001010000' } });
    expect(response.status).toBe(200);
    expect(ecosystem.backendCalls).toEqual([
      expect.objectContaining({ method: 'GET', rawPath: '/persons/123', rawQuery: 'fields=name%2Cborn&x=%20' }),
    ]);
    expect(headerValue(response.headers, 'x-road-client')).toBe(CLIENT);
    expect(headerValue(response.headers, 'x-road-service')).toBe(SERVICE);
    expect(headerValue(response.headers, 'x-road-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(headerValue(response.headers, 'x-road-request-hash')).toMatch(/^[A-Za-z0-9+/]+=*$/);
    // The client's user id reaches the backend; the gateways' own manifest headers do not.
    const received = ecosystem.backendCalls[0].headers;
    expect(received['x-road-userid']).toEqual(['EE38001010000']);
    expect(Object.keys(received).filter((name) => name.startsWith('x-sild'))).toEqual([]);
  });

  // The provider's web ACL sees at most the first 8 KB of headers and limits a request it sees them on as a peer's.
  test('the signed-message headers lead the request to the provider, before the client’s own headers', async () => {
    await ecosystem.call(`${PERSONS}/1`, { headers: { 'x-big': 'x'.repeat(8192), 'x-road-userid': 'EE38001010000' } });
    const [sent] = sentToProvider(ecosystem);
    expect(Object.keys(sent.headers).slice(0, 2)).toEqual(['x-sild-manifest', 'x-sild-signature']);
    expect(sent.headers['x-big']).toEqual(['x'.repeat(8192)]);
  });

  test('the call to the provider gateway waits providerTimeoutMs (28 s), but never beyond the invocation’s remaining time less the 2 s it keeps to log and answer', async () => {
    const timeouts = async (remainingMs?: () => number) => {
      await ecosystem.call(`${PERSONS}/1`, { remainingMs });
      return sentToProvider(ecosystem).at(-1)!.timeoutMs;
    };
    expect(await timeouts()).toBe(28_000);
    expect(await timeouts(() => 60_000)).toBe(28_000);
    expect(await timeouts(() => 20_000)).toBe(18_000);
    // Nothing left: the call gives up at once (NetworkError) while the answer can still be logged and sent.
    expect(await timeouts(() => 500)).toBe(1);
  });

  test('both gateways log the request and the response, each record signed and tied to the same X-Road-Id', async () => {
    const response = await ecosystem.call(`${PERSONS}/7`);
    const xRoadId = headerValue(response.headers, 'x-road-id')!;
    const consumerRecords = await ecosystem.consumer.log.find(CLIENT, xRoadId);
    const providerRecords = await ecosystem.provider.log.find(CLIENT, xRoadId);
    expect(consumerRecords.map((record) => `${record.side}/${record.direction}`).sort()).toEqual(['consumer/request', 'consumer/response']);
    expect(providerRecords.map((record) => `${record.side}/${record.direction}`).sort()).toEqual(['provider/request', 'provider/response']);
    for (const record of [...consumerRecords, ...providerRecords]) {
      expect(record.signature).toBeTruthy();
      expect(record.service).toBe(SERVICE);
    }
  });

  test('a client subsystem this gateway does not serve is refused before anything is signed or sent', async () => {
    const response = await ecosystem.call(`${PERSONS}/1`, { headers: { 'x-road-client': 'TEST/GOV/1001/registry' } });
    expect(errorOf(response)).toMatchObject({ status: 400, header: 'Client.InvalidClientIdentifier', type: 'Client.InvalidClientIdentifier' });
    expect(sentToProvider(ecosystem)).toEqual([]);
    expect(ecosystem.consumer.log.records.size).toBe(0);
  });

  test('a request without X-Road-Client gets an X-Road error, not a stack trace', async () => {
    const response = await ecosystem.call(`${PERSONS}/1`, { headers: { 'x-road-client': '' } });
    const error = errorOf(response);
    expect(error.status).toBe(400);
    expect(error.type).toMatch(/^Client\./);
    expect(error.message).not.toMatch(/\bat .+:\d+:\d+/);
  });

  test('an unregistered service or member is named precisely', async () => {
    expect(errorOf(await ecosystem.call('/r1/TEST/GOV/1001/registry/vehicles/1'))).toMatchObject({ type: 'Server.ClientProxy.UnknownService' });
    expect(errorOf(await ecosystem.call('/r1/TEST/GOV/9999/registry/persons/1'))).toMatchObject({ type: 'Server.ClientProxy.UnknownMember' });
    expect(errorOf(await ecosystem.call('/r1/OTHER/GOV/1001/registry/persons/1'))).toMatchObject({ type: 'Server.ClientProxy.UnknownMember' });
    expect(sentToProvider(ecosystem)).toEqual([]);
  });

  test('nothing is sent that was not logged first: a log that cannot be written stops the request', async () => {
    ecosystem.consumer.log.failing = true;
    const response = await ecosystem.call(`${PERSONS}/1`);
    expect(errorOf(response)).toMatchObject({ status: 503, type: 'Server.ClientProxy.LoggingFailed' });
    expect(sentToProvider(ecosystem)).toEqual([]);
    expect(ecosystem.backendCalls).toEqual([]);
  });

  test('an answer altered on the way is not passed on: InvalidSignatureValue, and the client never sees the altered body', async () => {
    ecosystem.http.route(PROVIDER_URL, async (request) => {
      const answer = await handleProviderRequest(request, ecosystem.provider.deps);
      return { ...answer, body: Buffer.from(answer.body.toString('utf8').replace('/persons/1', '/persons/2')) };
    });
    const response = await ecosystem.call(`${PERSONS}/1`);
    expect(errorOf(response)).toMatchObject({ status: 502, type: 'Server.ClientProxy.InvalidSignatureValue' });
    expect(response.body.toString('utf8')).not.toContain('/persons/2');
  });

  describe('a provider’s signed error relayed only with its own side’s or the client’s types', () => {
    /** The provider gateway signs `answer` as its answer to the request (a hostile provider holds its own keys). */
    const providerSigns = (answer: HttpResponse) =>
      ecosystem.http.route(PROVIDER_URL, async (request) => {
        const { xRoadId, requestId, requestHash } = JSON.parse(
          Buffer.from(headerValue(request.headers, 'x-sild-manifest')!, 'base64').toString('utf8'),
        ) as ResponseBinding;
        return (await signAnswer(ecosystem.provider.deps, { xRoadId, requestId, requestHash }, answer)).response;
      });
    const errorAnswer = (types: string[], body: string, contentType = 'application/json') => ({
      status: 403,
      headers: { 'content-type': [contentType], 'x-road-error': types },
      body: Buffer.from(body),
    });

    test.each([
      [
        'a consumer type in the first of two X-Road-Error lines',
        errorAnswer(['Server.ClientProxy.LoggingFailed', 'Server.ServerProxy.AccessDenied'], '{"type":"Server.ServerProxy.AccessDenied"}'),
      ],
      [
        'a consumer type joined into one X-Road-Error line',
        errorAnswer(['Server.ClientProxy.LoggingFailed, Server.ServerProxy.AccessDenied'], '{"type":"Server.ServerProxy.AccessDenied"}'),
      ],
      [
        'a consumer type in the JSON body only',
        errorAnswer(['Server.ServerProxy.AccessDenied'], '{"type":"Server.ClientProxy.LoggingFailed","message":"page your operators"}'),
      ],
      [
        'a consumer type in the XML body only, spelt with a character reference',
        errorAnswer(['Client.BadRequest'], '<error><type>Server&#46;ClientProxy.LoggingFailed</type><message>x</message></error>', 'application/xml'),
      ],
      [
        'a consumer type in a CDATA section of a prefixed element',
        errorAnswer(
          ['Client.BadRequest'],
          '<x:error xmlns:x="u"><x:type><![CDATA[Server.ClientProxy.LoggingFailed]]></x:type></x:error>',
          'text/xml',
        ),
      ],
    ])('%s → Server.ServerProxy.InternalError (502)', async (_what, answer) => {
      providerSigns(answer);
      expect(errorOf(await ecosystem.call(`${PERSONS}/1`))).toMatchObject({
        status: 502,
        type: 'Server.ServerProxy.InternalError',
        message: expect.stringMatching(/Server\.ClientProxy\.LoggingFailed.*only a consumer gateway raises/),
      });
    });

    test('its own refusal, in JSON or XML, is relayed as signed', async () => {
      providerSigns(errorAnswer(['Server.ServerProxy.AccessDenied'], '{"type":"Server.ServerProxy.AccessDenied","message":"no"}'));
      expect(errorOf(await ecosystem.call(`${PERSONS}/1`))).toMatchObject({
        status: 403,
        header: 'Server.ServerProxy.AccessDenied',
        type: 'Server.ServerProxy.AccessDenied',
      });
      providerSigns(errorAnswer(['Client.BadRequest'], '<error><type>Client.BadRequest</type></error>', 'application/xml'));
      expect((await ecosystem.call(`${PERSONS}/1`)).status).toBe(403);
    });
  });

  test('an unsigned error page from something between the gateways is not presented as the provider’s answer', async () => {
    ecosystem.http.route(PROVIDER_URL, async () => ({
      status: 400,
      headers: { 'content-type': ['text/html'], 'x-road-error': ['Server.ServerProxy.AccessDenied'] },
      body: Buffer.from('<html>denied</html>'),
    }));
    const response = await ecosystem.call(`${PERSONS}/1`);
    expect(errorOf(response)).toMatchObject({ status: 502, type: 'Server.ClientProxy.InvalidSignatureValue' });
  });

  test.each([403, 413, 429, 503])(
    'an unsigned refusal by the provider’s front (HTTP %i) is a NetworkError with that status, never the provider’s answer',
    async (status) => {
      ecosystem.http.route(PROVIDER_URL, async () => ({
        status,
        headers: { 'content-type': ['application/json'], 'x-road-error': ['Server.ServerProxy.AccessDenied'] },
        body: Buffer.from('{"message":"Forbidden"}'),
      }));
      const response = await ecosystem.call(`${PERSONS}/1`);
      expect(errorOf(response)).toMatchObject({ status, type: 'Server.ClientProxy.NetworkError' });
      expect(response.body.toString('utf8')).not.toContain('AccessDenied');
    },
  );

  test('a provider gateway that does not answer is a NetworkError', async () => {
    ecosystem.http.route(PROVIDER_URL, async () => {
      throw new HttpClientError('timeout', 'no answer');
    });
    expect(errorOf(await ecosystem.call(`${PERSONS}/1`))).toMatchObject({ type: 'Server.ClientProxy.NetworkError' });
  });

  test('with an expired global configuration and the central unreachable, exchanges stop (OutdatedGlobalConf)', async () => {
    expect((await ecosystem.call(`${PERSONS}/1`)).status).toBe(200);
    ecosystem.http.route('https://central.test/prod', async () => ({ status: 503, headers: {}, body: Buffer.alloc(0) }));
    ecosystem.clock.advance(11 * 60_000); // past the 600 s validity
    expect(errorOf(await ecosystem.call(`${PERSONS}/1`))).toMatchObject({ type: 'Server.ClientProxy.OutdatedGlobalConf' });
  });

  test('listClients is answered from the global configuration, without a provider', async () => {
    const response = await ecosystem.call('/listClients', { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    expect(response.body.toString('utf8')).toContain('registry');
    expect(sentToProvider(ecosystem)).toEqual([]);
  });
});
