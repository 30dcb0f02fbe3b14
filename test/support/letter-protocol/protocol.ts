/**
 * A test-only second message protocol, to prove the seam: adding a protocol is this folder and one registration
 * (`[letterProtocol, ...PROTOCOLS]` as a gateway's `protocols`). It has what SOAP will need and REST lacks:
 *
 * - one route for every service, `POST /` (`application/x-sild-letter+json`): the service is named in the body, a
 *   "letter" `{ "from": CLIENT, "to": SERVICE, "id"?: X-Road-Id, "content": … }`;
 * - access rights on the service as a whole (`POST /`);
 * - the provider gateway rewrites the backend's answer before it signs it: the answer letter gets the request hash;
 * - errors are a letter too, answered with HTTP 200 (as X-Road answers SOAP faults), `X-Road-Error` still set.
 */
import { clientError, providerError, type XRoadError } from '../../../lambdas/core/kernel/errors';
import { headerValue, singleHeaders, type HttpResponse } from '../../../lambdas/core/kernel/http';
import { parseClientId, parseServiceId, type ClientId, type ServiceId } from '../../../lambdas/core/kernel/identifiers';
import type { MessageProtocol } from '../../../lambdas/core/exchange/protocols/protocol';

export const LETTER_TYPE = 'application/x-sild-letter+json';

interface Letter {
  readonly from: ClientId;
  readonly to: ServiceId;
  readonly id?: string;
}

/** Reads the letter a body carries; `Client.BadRequest` for anything else. */
function readLetter(body: Buffer, refuse: (message: string) => XRoadError): Letter {
  let parsed: { from?: unknown; to?: unknown; id?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    throw refuse('A letter must be JSON');
  }
  if (typeof parsed?.from !== 'string' || typeof parsed.to !== 'string') throw refuse('A letter names its sender (from) and its service (to)');
  return { from: parseClientId(parsed.from), to: parseServiceId(parsed.to), ...(typeof parsed.id === 'string' ? { id: parsed.id } : {}) };
}

const letterAnswer = (status: number, letter: object): HttpResponse => ({
  status,
  headers: singleHeaders({ 'content-type': LETTER_TYPE }),
  body: Buffer.from(JSON.stringify(letter)),
});

export const letterProtocol: MessageProtocol = {
  serviceType: 'LETTER',
  // Letters are delivered to REST backends (JSON over POST).
  offeredType: 'rest',
  metadataServices: new Set(['listLetters']),
  routes: [{ method: 'POST', path: '/' }],

  claims: (request) => request.method === 'POST' && request.rawPath === '/' && headerValue(request.headers, 'content-type') === LETTER_TYPE,

  readClientRequest(request, newId) {
    const letter = readLetter(request.body, (message) => clientError('BadRequest', message));
    return { client: letter.from, service: letter.to, xRoadId: letter.id ?? newId(), method: 'POST', target: '/', metadata: false, opmon: {} };
  },

  readForwardedRequest(request) {
    const letter = readLetter(request.body, (message) => providerError('InvalidSignatureValue', message));
    return {
      service: letter.to,
      metadata: false,
      accessViews: [{ method: 'POST', segments: [''] }],
      callName: `a letter to ${letter.to.serviceCode}`,
      opmon: {},
      refusal: () => undefined,
      backendCall: (offered, headers, body) => ({ method: 'POST', url: offered.backendUrl, headers, body }),
      metadataAnswer: async () => {
        throw providerError('UnknownService', 'Letters have no metadata services');
      },
      backendAnswer: (answer, exchange) => {
        let content: unknown = answer.body.toString('utf8');
        try {
          content = JSON.parse(content as string);
        } catch {
          // Not JSON: the letter carries the text.
        }
        return { ...answer, body: Buffer.from(JSON.stringify({ requestHash: exchange.requestHash, content })) };
      },
    };
  },

  clientAnswer: (answer) => answer,

  errorAnswer: (error, detail) => letterAnswer(200, { fault: { code: error.type, string: error.message, detail } }),

  errorBody(body) {
    try {
      const fault = (JSON.parse(body.toString('utf8')) as { fault?: { code?: unknown; string?: unknown } }).fault;
      return { types: typeof fault?.code === 'string' ? [fault.code] : [], ...(typeof fault?.string === 'string' ? { message: fault.string } : {}) };
    } catch {
      return { types: [] };
    }
  },

  opmonFields: () => ({ serviceType: 'LETTER' }),
};
