/**
 * One record against what was signed, on records the in-memory ecosystem logged: records as logged hold on both sides
 * (also read back from their stored form); every field a record states that its manifest, or its request's manifest,
 * states otherwise is named — with the body and headers logged or not; an unsigned record stands only as a layer error.
 */
import { certificateIdOf, itemToRecord, recordToItem } from '../../../../lambdas/adapters/message-log-item';
import { checkLogRecord, describeContradiction } from '../../../../lambdas/core/log/verification';
import type { MessageLogRecord } from '../../../../lambdas/core/log/records';
import { CLIENT, PERSONS, startMemoryEcosystem, type MemoryEcosystem, type MemoryGateway } from '../../../support/memory-ecosystem';

let ecosystem: MemoryEcosystem;
let keys: Awaited<ReturnType<MemoryGateway['deps']['globalConfiguration']['current']>>;

beforeEach(async () => {
  ecosystem = await startMemoryEcosystem();
  keys = await ecosystem.consumer.deps.globalConfiguration.current();
});

/** The request and response records of one exchange on one gateway side. */
async function exchangeRecords(gateway: MemoryGateway, call: { path?: string; method?: string; headers?: Record<string, string> } = {}) {
  const response = await ecosystem.call(call.path ?? `${PERSONS}/1`, { method: call.method, headers: call.headers });
  const records = await gateway.log.find(CLIENT, response.headers['x-road-id']![0]);
  return {
    status: response.status,
    request: records.find((record) => record.direction === 'request')!,
    response: records.find((record) => record.direction === 'response')!,
  };
}

/** Body and headers not logged (metadata log mode). */
const metadataOnly = (record: MessageLogRecord): MessageLogRecord => ({ ...record, body: undefined, headers: undefined, bodyLogged: 'metadata' });
/** The record as the DynamoDB log stores it (manifest-stated fields only where they differ) and reads it back. */
const readBack = (record: MessageLogRecord): MessageLogRecord => {
  const item = recordToItem(record, { sk: `${record.side}#${record.direction}`, recordHash: '', expiresAt: 0 });
  return itemToRecord(item, new Map(record.certificate ? [[certificateIdOf(record.certificate), record.certificate]] : []));
};
const fields = (check: ReturnType<typeof checkLogRecord>) =>
  check.contradictions.map((contradiction) => `${contradiction.manifest}:${contradiction.field}`);

describe('checkLogRecord', () => {
  test('records as logged hold on both sides, for an answer and for a signed refusal, also as read back from the store', async () => {
    for (const gateway of [ecosystem.consumer, ecosystem.provider]) {
      for (const call of [{ headers: { 'x-road-userid': 'EE12345' } }, { method: 'DELETE' }]) {
        const { request, response } = await exchangeRecords(gateway, call);
        for (const [record, requestRecord] of [
          [request, undefined],
          [response, request],
        ] as const) {
          for (const stored of [record, readBack(record)]) {
            const check = checkLogRecord(stored, keys, requestRecord);
            expect({ side: gateway.agency, direction: record.direction, valid: check.valid, problem: check.problem }).toEqual({
              side: gateway.agency,
              direction: record.direction,
              valid: true,
              problem: undefined,
            });
          }
        }
      }
    }
  });

  test('records logged under metadata log mode hold, and an empty body still lets the signed hash be recomputed', async () => {
    ecosystem = await startMemoryEcosystem({ settings: { messageLog: { mode: 'metadata' } } });
    keys = await ecosystem.consumer.deps.globalConfiguration.current();
    for (const gateway of [ecosystem.consumer, ecosystem.provider]) {
      const { request, response } = await exchangeRecords(gateway);
      expect(request).toMatchObject({ bodyLogged: 'metadata', bodyBytes: 0 });
      expect(checkLogRecord(request, keys)).toMatchObject({ valid: true, hashMatches: true });
      expect(checkLogRecord(response, keys, request)).toMatchObject({ valid: true, hashMatches: undefined, contradictions: [] });
    }
  });

  test('a refused request’s status restated, body and headers dropped: the status is named against the signed manifest', async () => {
    const { status, request, response } = await exchangeRecords(ecosystem.consumer, { method: 'DELETE' });
    expect(status).toBe(403);
    const check = checkLogRecord({ ...metadataOnly(response), status: 200, errorType: undefined }, keys, request);
    expect(check.valid).toBe(false);
    expect(fields(check)).toEqual(['own:status']);
    expect(describeContradiction(check.contradictions[0])).toBe('status: the record states 200, its signed manifest 403');
  });

  test.each([
    ['client', 'TEST/GOV/1002/other'],
    ['xRoadId', 'another-id'],
    ['service', 'TEST/GOV/1001/registry/other'],
    ['requestId', 'another-request'],
    ['userId', 'EE99999'],
    ['method', 'DELETE'],
    ['target', `${PERSONS}/2`],
    ['status', 200],
    ['errorType', 'Server.ServerProxy.AccessDenied'],
  ] as const)('a request record restating %s without body and headers logged is named against its manifest', async (field, value) => {
    const { request } = await exchangeRecords(ecosystem.provider);
    expect(fields(checkLogRecord({ ...metadataOnly(request), [field]: value }, keys))).toEqual([`own:${field}`]);
  });

  test.each([
    ['xRoadId', 'another-id', ['own:xRoadId', 'request:xRoadId']],
    ['requestId', 'another-request', ['own:requestId', 'request:requestId']],
    ['status', 500, ['own:status']],
    ['client', 'TEST/GOV/1002/other', ['request:client']],
    ['service', 'TEST/GOV/1001/registry/other', ['request:service']],
    ['userId', 'EE99999', ['request:userId']],
    ['method', 'DELETE', ['request:method']],
    ['target', `${PERSONS}/2`, ['request:target']],
    ['errorType', 'Server.ServerProxy.AccessDenied', ['own:errorType']],
  ] as const)(
    'a response record restating %s without body and headers logged is named against the manifest that states it',
    async (field, value, expected) => {
      for (const gateway of [ecosystem.consumer, ecosystem.provider]) {
        const { request, response } = await exchangeRecords(gateway);
        expect(fields(checkLogRecord({ ...metadataOnly(response), [field]: value }, keys, request))).toEqual(expected);
      }
    },
  );

  test('an error type must be the X-Road-Error the signed answer covers, and the logged header’s', async () => {
    const { request, response } = await exchangeRecords(ecosystem.consumer, { method: 'DELETE' });
    expect(checkLogRecord(metadataOnly(response), keys, request).valid).toBe(true);
    expect(fields(checkLogRecord({ ...response, errorType: 'Server.ServerProxy.InternalError' }, keys, request))).toEqual(['own:errorType']);
  });

  test('logged headers the manifest does not cover, and a manifest of the other direction, are named', async () => {
    const { request, response } = await exchangeRecords(ecosystem.consumer);
    expect(fields(checkLogRecord({ ...request, headers: { ...request.headers, 'x-slipped-in': ['1'] } }, keys))).toEqual(['own:headers']);
    expect(
      fields(checkLogRecord({ ...request, manifest: response.manifest, signature: response.signature, certificate: response.certificate }, keys)),
    ).toEqual(['own:direction']);
  });

  test('a response checked with another exchange’s request does not answer it', async () => {
    const first = await exchangeRecords(ecosystem.consumer, { path: `${PERSONS}/1` });
    const second = await exchangeRecords(ecosystem.consumer, { path: `${PERSONS}/1` });
    const check = checkLogRecord(first.response, keys, second.request);
    expect(check).toMatchObject({ valid: false, answersRequest: false });
    expect(check.problem).toMatch(/does not answer the logged request/);
  });

  test('an empty body needs no logging: the signed hash still binds the logged headers, method and target', async () => {
    const { request } = await exchangeRecords(ecosystem.consumer);
    expect(request.bodyBytes).toBe(0);
    const withoutBody = { ...request, body: undefined, bodyLogged: 'metadata' } as const;
    expect(checkLogRecord(withoutBody, keys)).toMatchObject({ valid: true, hashMatches: true });
    expect(checkLogRecord({ ...withoutBody, headers: { ...request.headers, 'x-road-id': ['another-id'] } }, keys)).toMatchObject({
      valid: false,
      hashMatches: false,
    });
  });

  test('unsigned, a record stands only as a layer error answer: never a request, never a status without an X-Road error', async () => {
    const { request, response } = await exchangeRecords(ecosystem.consumer);
    const unsigned = (record: MessageLogRecord): MessageLogRecord => ({
      ...record,
      manifest: undefined,
      signature: undefined,
      certificate: undefined,
    });
    const layerError = { ...unsigned(response), status: 502, errorType: 'Server.ClientProxy.NetworkError' };
    expect(checkLogRecord(layerError, keys, request)).toMatchObject({ valid: true, problem: 'unsigned layer error Server.ClientProxy.NetworkError' });
    expect(checkLogRecord(unsigned(response), keys, request)).toMatchObject({
      valid: false,
      unsignedProblem: expect.stringMatching(/names no X-Road error \(status 200\)/),
    });
    expect(checkLogRecord({ ...layerError, status: 200 }, keys, request)).toMatchObject({
      valid: false,
      unsignedProblem: expect.stringMatching(/error status, not 200/),
    });
    expect(checkLogRecord(unsigned(request), keys)).toMatchObject({
      valid: false,
      unsignedProblem: 'a request record must carry its signed manifest',
    });
    expect(fields(checkLogRecord({ ...layerError, method: 'DELETE' }, keys, request))).toEqual(['request:method']);
  });
});
