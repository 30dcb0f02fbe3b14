/**
 * The opmon record (X-Road's PR-OPMON field names) from a request and the answer a side gave: ids, the four
 * timestamps, sizes, REST method and path without the query, and the outcome — `succeeded` unless the layer raised
 * an X-Road error, with its type and message (never a body). Ids only once the side identified the request; before,
 * what the request claims is kept apart as `claimed*`.
 */
import { headersOf, type HttpRequest, type HttpResponse } from '../../../../lambdas/core/kernel/http';
import { MessageTimer, opmonRecord, type EstablishedMessage } from '../../../../lambdas/core/exchange/opmon';
import { restProtocol } from '../../../../lambdas/core/exchange/protocols/rest/protocol';

const request: HttpRequest = {
  method: 'POST',
  rawPath: '/r1/DEV/GOV/70000001/population/persons/123/x%20y',
  rawQuery: 'id=38001010000',
  headers: headersOf([
    ['x-road-client', 'DEV/GOV/70000002/tax%2Frecords'],
    ['x-road-userid', 'EE38001010000'],
    ['x-road-represented-party', 'COM/12345'],
  ]),
  body: Buffer.from('{"name":"x"}'),
};

/** What the side established about `request`: the ids it parsed or verified. */
const established: EstablishedMessage = {
  client: { instance: 'DEV', memberClass: 'GOV', memberCode: '70000002', subsystemCode: 'tax/records' },
  service: { instance: 'DEV', memberClass: 'GOV', memberCode: '70000001', subsystemCode: 'population', serviceCode: 'persons' },
  opmon: { restPath: '/123/x%20y' },
  xRoadId: 'abc',
  userId: 'EE38001010000',
  representedParty: 'COM/12345',
};

function timed(times: number[]): MessageTimer {
  const clock = [...times];
  return new MessageTimer(() => clock.shift()!);
}

describe('opmonRecord', () => {
  test('an answered exchange: ids, times, sizes, method and path without the query', async () => {
    const timer = timed([1000, 1002, 1010]);
    await timer.around(async () => undefined);
    timer.identify(established);
    const response: HttpResponse = {
      status: 201,
      headers: headersOf([
        ['x-road-id', 'abc'],
        ['x-road-request-id', 'rid'],
      ]),
      body: Buffer.from('{"ok":true}'),
    };
    expect(opmonRecord('Client', 'DEV/GOV/70000002/tax-board', request, response, timer, 1012, restProtocol)).toEqual({
      securityServerType: 'Client',
      gateway: 'DEV/GOV/70000002/tax-board',
      requestInTs: 1000,
      requestOutTs: 1002,
      responseInTs: 1010,
      responseOutTs: 1012,
      clientXRoadInstance: 'DEV',
      clientMemberClass: 'GOV',
      clientMemberCode: '70000002',
      clientSubsystemCode: 'tax/records',
      serviceXRoadInstance: 'DEV',
      serviceMemberClass: 'GOV',
      serviceMemberCode: '70000001',
      serviceSubsystemCode: 'population',
      serviceCode: 'persons',
      representedPartyClass: 'COM',
      representedPartyCode: '12345',
      messageId: 'abc',
      messageUserId: 'EE38001010000',
      xRequestId: 'rid',
      serviceType: 'REST',
      restMethod: 'POST',
      restPath: '/123/x%20y',
      statusCode: 201,
      requestSize: 12,
      responseSize: 11,
      succeeded: true,
      identified: true,
    });
  });

  test('the ids are what the side established, never the raw headers: joined X-Road-Client lines, another X-Road-Id', () => {
    const timer = timed([1]);
    timer.identify(established);
    const joined: HttpRequest = {
      ...request,
      headers: headersOf([
        ['x-road-client', 'DEV/GOV/70000001/population, DEV/GOV/70000002/tax%2Frecords'],
        ['x-road-id', 'other'],
        ['x-road-userid', 'admin'],
      ]),
    };
    expect(opmonRecord('Client', 'gw', joined, { status: 200, headers: {}, body: Buffer.alloc(0) }, timer, 2, restProtocol)).toMatchObject({
      clientXRoadInstance: 'DEV',
      clientMemberClass: 'GOV',
      clientMemberCode: '70000002',
      clientSubsystemCode: 'tax/records',
      messageId: 'abc',
      messageUserId: 'EE38001010000',
      identified: true,
    });
  });

  test('a refusal: not succeeded, with the X-Road error type and its message; a backend 404 is a success', () => {
    const refused: HttpResponse = {
      status: 403,
      headers: headersOf([['x-road-error', 'Server.ServerProxy.AccessDenied']]),
      body: Buffer.from('{"type":"Server.ServerProxy.AccessDenied","message":"Access denied to the service","detail":"x"}'),
    };
    expect(opmonRecord('Producer', 'gw', request, refused, timed([5]), 9, restProtocol)).toMatchObject({
      succeeded: false,
      faultCode: 'Server.ServerProxy.AccessDenied',
      faultString: 'Access denied to the service',
      statusCode: 403,
    });
    const notFound: HttpResponse = { status: 404, headers: {}, body: Buffer.from('no such person') };
    expect(opmonRecord('Producer', 'gw', request, notFound, timed([5]), 9, restProtocol)).toMatchObject({ succeeded: true, statusCode: 404 });
  });

  test('a request that names no service (a malformed path) keeps its path as a claim, cut to 256 characters, and no ids', () => {
    const record = opmonRecord(
      'Client',
      'gw',
      { ...request, rawPath: `/r2/${'x'.repeat(400)}`, headers: {} },
      { status: 400, headers: headersOf([['x-road-error', 'Client.BadRequest']]), body: Buffer.alloc(0) },
      timed([1]),
      2,
      restProtocol,
    );
    expect(record.claimedPath).toHaveLength(256);
    expect(record.restPath).toBeUndefined();
    expect(record.serviceCode).toBeUndefined();
    expect(record.clientMemberCode).toBeUndefined();
    expect(record.requestOutTs).toBeUndefined();
    expect(record.identified).toBe(false);
  });

  test('until the side identified the request, what it claims stays out of the X-Road fields: kept as sent, cut short, as claims', () => {
    const claiming: HttpRequest = {
      ...request,
      headers: headersOf([
        ['x-road-client', `DEV/GOV/%1B%5B2J/${'x'.repeat(300)}`],
        ['x-road-id', 'forged'],
        ['x-road-userid', 'EE1'],
        ['x-road-represented-party', 'COM/1'],
      ]),
    };
    const refused: HttpResponse = {
      status: 401,
      headers: headersOf([
        ['x-road-error', 'Server.ServerProxy.InvalidSignatureValue'],
        ['x-road-id', 'forged'],
        ['x-road-request-id', 'rid'],
      ]),
      body: Buffer.alloc(0),
    };
    const record = opmonRecord('Producer', 'gw', claiming, refused, timed([1]), 2, restProtocol);
    for (const field of [
      'clientXRoadInstance',
      'clientMemberClass',
      'clientMemberCode',
      'clientSubsystemCode',
      'serviceXRoadInstance',
      'serviceMemberClass',
      'serviceMemberCode',
      'serviceSubsystemCode',
      'serviceCode',
      'representedPartyClass',
      'representedPartyCode',
      'messageId',
      'messageUserId',
      'xRequestId',
      'restPath',
    ]) {
      expect(record).not.toHaveProperty(field);
    }
    expect(record).toMatchObject({
      identified: false,
      claimedPath: request.rawPath,
      claimedMessageId: 'forged',
      faultCode: 'Server.ServerProxy.InvalidSignatureValue',
    });
    expect(record.claimedClient).toBe(`DEV/GOV/%1B%5B2J/${'x'.repeat(300)}`.slice(0, 256));
  });
});
