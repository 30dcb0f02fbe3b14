/**
 * The provider side, on the in-memory ecosystem: it acts only on requests a consumer gateway signed for the client
 * it serves, unaltered, recent and not replayed; it enforces the access rights before the backend sees anything;
 * it logs before it delivers; and it signs every answer, errors included.
 */
import { headerValue, type HttpRequest, type HttpResponse } from '../../../../lambdas/core/kernel/http';
import type { OutboundRequest } from '../../../../lambdas/core/kernel/ports';
import { handleProviderRequest } from '../../../../lambdas/core/exchange/provider-side';
import { HttpClientError } from '../../../../lambdas/core/kernel/ports';
import {
  BACKEND_HOST,
  CLIENT,
  DEFAULT_POLICY,
  PERSONS,
  PROVIDER_URL,
  startMemoryEcosystem,
  type MemoryEcosystem,
} from '../../../support/memory-ecosystem';

const errorType = (response: HttpResponse) => headerValue(response.headers, 'x-road-error');

/** The request the consumer gateway sent to the provider gateway, as the provider side receives it. */
function asReceived(sent: OutboundRequest, change: Partial<HttpRequest> = {}): HttpRequest {
  const target = sent.url.slice(PROVIDER_URL.length);
  const queryAt = target.indexOf('?');
  return {
    method: sent.method,
    rawPath: queryAt < 0 ? target : target.slice(0, queryAt),
    rawQuery: queryAt < 0 ? '' : target.slice(queryAt + 1),
    headers: sent.headers,
    body: sent.body,
    ...change,
  };
}

describe('provider side', () => {
  let ecosystem: MemoryEcosystem;
  /** One exchange that went through; its request as the consumer gateway sent it. */
  let sent: OutboundRequest;
  beforeEach(async () => {
    ecosystem = await startMemoryEcosystem();
    expect((await ecosystem.call(`${PERSONS}/1`)).status).toBe(200);
    sent = ecosystem.http.sent.find((request) => request.url.startsWith(PROVIDER_URL))!;
    ecosystem.backendCalls.length = 0;
  });

  const provider = (request: HttpRequest) => handleProviderRequest(request, ecosystem.provider.deps);

  test('a request that did not come through a gateway is refused unsigned (nothing verified to bind a signature to), and the backend never sees it', async () => {
    const response = await provider({
      method: 'GET',
      rawPath: `${PERSONS}/1`,
      rawQuery: '',
      headers: { 'x-road-client': [CLIENT] },
      body: Buffer.alloc(0),
    });
    expect(response.status).toBe(401);
    expect(errorType(response)).toBe('Server.ServerProxy.InvalidSignatureValue');
    expect(headerValue(response.headers, 'x-sild-manifest')).toBeUndefined();
    expect(ecosystem.backendCalls).toEqual([]);
  });

  test('the backend call waits the service’s timeoutMs (25 s), but never beyond the invocation’s remaining time less the 2 s it keeps to sign, log and answer', async () => {
    const backendTimeout = async (remainingMs?: () => number) => {
      ecosystem.provider.log.records.clear();
      expect((await provider(asReceived(sent, { remainingMs }))).status).toBe(200);
      return ecosystem.http.sent.filter((request) => request.url.startsWith(BACKEND_HOST)).at(-1)!.timeoutMs;
    };
    expect(await backendTimeout()).toBe(25_000);
    expect(await backendTimeout(() => 29_000)).toBe(25_000);
    expect(await backendTimeout(() => 12_000)).toBe(10_000);
  });

  test('a signed request replayed is refused (DuplicateMessageId) and reaches the backend only once', async () => {
    const replay = await provider(asReceived(sent));
    expect(errorType(replay)).toMatch(/DuplicateMessageId$/);
    expect(ecosystem.backendCalls).toEqual([]);
  });

  test('only a request verified and logged gets a signed answer: a replay, or the manifest resent without its signature, is refused unsigned; a refusal after logging and maintenance are signed', async () => {
    const signed = (response: HttpResponse) => headerValue(response.headers, 'x-sild-manifest') !== undefined;
    const replay = await provider(asReceived(sent));
    const stripped = await provider(
      asReceived(sent, { headers: Object.fromEntries(Object.entries(sent.headers).filter(([name]) => name !== 'x-sild-signature')) }),
    );
    expect([replay, stripped].map((response) => ({ type: errorType(response), signed: signed(response) }))).toEqual([
      { type: 'Server.ServerProxy.DuplicateMessageId', signed: false },
      { type: 'Server.ServerProxy.InvalidSignatureValue', signed: false },
    ]);
    ecosystem.provider.log.records.clear();
    const { deps } = ecosystem.provider;
    const maintained = await handleProviderRequest(asReceived(sent), {
      ...deps,
      accessPolicy: { current: async () => ({ ...(await deps.accessPolicy.current()), maintenance: { message: 'Upgrade until 12:00 UTC' } }) },
    });
    expect({ type: errorType(maintained), signed: signed(maintained) }).toEqual({ type: 'Server.ServerProxy.Maintenance', signed: true });
    ecosystem.provider.config.setAccessPolicy({ ...DEFAULT_POLICY, accessRights: [] });
    const denied = await ecosystem.call(`${PERSONS}/1`);
    expect(errorType(denied)).toBe('Server.ServerProxy.AccessDenied'); // relayed by the consumer: it verified the signature
    expect(ecosystem.backendCalls).toEqual([]);
  });

  test('a signed request with another body, path or method is refused before the backend', async () => {
    ecosystem.provider.log.records.clear(); // not a replay: only the alteration is refused
    for (const altered of [
      asReceived(sent, { body: Buffer.from('{"x":1}') }),
      asReceived(sent, { rawPath: `${PERSONS}/2` }),
      asReceived(sent, { method: 'DELETE' }),
      asReceived(sent, { headers: { ...sent.headers, 'x-road-client': ['TEST/GOV/1002/other'] } }),
    ]) {
      expect(errorType(await provider(altered))).toBe('Server.ServerProxy.InvalidSignatureValue');
    }
    expect(ecosystem.backendCalls).toEqual([]);
  });

  test('a request signed longer ago than the accepted clock skew is StaleMessage', async () => {
    ecosystem.provider.log.records.clear();
    ecosystem.clock.advance(61_000);
    expect(errorType(await provider(asReceived(sent)))).toBe('Server.ServerProxy.StaleMessage');
  });

  test('access rights: a method or path outside the right is AccessDenied, and the refused body is not kept', async () => {
    ecosystem.provider.config.setAccessPolicy({
      ...DEFAULT_POLICY,
      accessRights: [{ subsystem: 'registry', service: 'persons', subject: CLIENT, method: 'GET', path: '/public/*' }],
    });
    const denied = await ecosystem.call(`${PERSONS}/1`);
    expect(denied.status).toBe(403);
    expect(errorType(denied)).toBe('Server.ServerProxy.AccessDenied');
    expect(ecosystem.backendCalls).toEqual([]);
    const posted = await ecosystem.call(`${PERSONS}/public/1`, { method: 'POST', body: '{"secret":true}' });
    expect(errorType(posted)).toBe('Server.ServerProxy.AccessDenied');
    const refusedRecords = [...ecosystem.provider.log.records.values()]
      .map((entry) => entry.record)
      .filter((record) => record.method === 'POST' && record.direction === 'request');
    expect(refusedRecords).toEqual([expect.objectContaining({ bodyLogged: 'withheld' })]);
    expect(refusedRecords[0].body).toBeUndefined();
    expect((await ecosystem.call(`${PERSONS}/public/1`)).status).toBe(200);
  });

  test('with no access right written, nobody may call (deny by default); with no service written, none is offered', async () => {
    ecosystem.provider.config.setAccessPolicy({ ...DEFAULT_POLICY, accessRights: [] });
    expect(errorType(await ecosystem.call(`${PERSONS}/1`))).toBe('Server.ServerProxy.AccessDenied');
    ecosystem.provider.config.setAccessPolicy({ accessRights: [] });
    expect(errorType(await ecosystem.call(`${PERSONS}/1`))).toBe('Server.ServerProxy.UnknownService');
    expect(ecosystem.backendCalls).toEqual([]);
  });

  test('a backend or maintenance change is read from the access policy: it takes effect without new settings (cached policies within a minute)', async () => {
    ecosystem.provider.log.records.clear();
    ecosystem.provider.config.setAccessPolicy({
      ...DEFAULT_POLICY,
      services: [{ subsystem: 'registry', code: 'persons', backendUrl: 'https://backend-v2.test/persons' }],
    });
    expect((await provider(asReceived(sent))).status).toBe(502); // the new backend is not routed: ServiceFailed
    expect(ecosystem.http.sent.at(-1)!.url).toBe('https://backend-v2.test/persons/1');
    ecosystem.provider.config.setAccessPolicy({ ...DEFAULT_POLICY, maintenance: { message: 'Back at noon' } });
    const maintained = await ecosystem.call(`${PERSONS}/2`);
    expect(errorType(maintained)).toBe('Server.ServerProxy.Maintenance');
    expect(JSON.parse(maintained.body.toString('utf8')).message).toBe('Back at noon');
  });

  test('nothing is delivered that was not logged: a provider log that cannot be written keeps the backend untouched', async () => {
    ecosystem.provider.log.failing = true;
    // The request was not logged, so the provider's LoggingFailed is unsigned: the consumer reports it with its status.
    expect(errorType(await provider(asReceived(sent)))).toBe('Server.ServerProxy.LoggingFailed');
    const response = await ecosystem.call(`${PERSONS}/1`);
    expect({ status: response.status, type: errorType(response) }).toEqual({ status: 503, type: 'Server.ClientProxy.NetworkError' });
    expect(ecosystem.backendCalls).toEqual([]);
  });

  test('the backend’s own error answer is passed on as the service’s answer, signed; an unreachable backend is ServiceFailed', async () => {
    ecosystem.backend(async () => ({ status: 500, headers: { 'content-type': ['text/plain'] }, body: Buffer.from('backend broke') }));
    const failed = await ecosystem.call(`${PERSONS}/1`);
    expect(failed.status).toBe(500);
    expect(errorType(failed)).toBeUndefined();
    expect(failed.body.toString('utf8')).toBe('backend broke');

    ecosystem.http.route(BACKEND_HOST, async () => {
      throw new HttpClientError('unreachable', 'connection refused');
    });
    const unreachable = await ecosystem.call(`${PERSONS}/1`);
    expect(unreachable.status).toBe(502);
    expect(errorType(unreachable)).toBe('Server.ServerProxy.ServiceFailed');
  });

  test('listMethods is answered by the provider gateway itself, with the services the client may call', async () => {
    const response = await ecosystem.call('/r1/TEST/GOV/1001/registry/listMethods');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString('utf8'))).toEqual({ service: [expect.objectContaining({ service_code: 'persons' })] });
    expect(ecosystem.backendCalls).toEqual([]);
  });

  test('listMethods and allowedMethods list the REST services only: a SOAP service is not one of them', async () => {
    ecosystem.provider.config.setAccessPolicy({
      ...DEFAULT_POLICY,
      services: [
        ...DEFAULT_POLICY.services!,
        { subsystem: 'registry', code: 'getPerson', type: 'soap', version: 'v1', backendUrl: `${BACKEND_HOST}/soap` },
      ],
      accessRights: [...DEFAULT_POLICY.accessRights, { subsystem: 'registry', service: 'getPerson', subject: CLIENT, method: '*', path: '**' }],
    });
    for (const metadata of ['listMethods', 'allowedMethods']) {
      const response = await ecosystem.call(`/r1/TEST/GOV/1001/registry/${metadata}`);
      const listed = JSON.parse(response.body.toString('utf8')).service.map((entry: { service_code: string }) => entry.service_code);
      expect({ metadata, listed }).toEqual({ metadata, listed: ['persons'] });
    }
  });
});
