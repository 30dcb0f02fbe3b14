/**
 * SOAP on the protocol seam (`implementation.ts` has the protocol itself). The gateway asks every request which
 * protocol it is in, and both APIs need SOAP's route and reserved codes at synth: those answers are here and cost
 * nothing. Everything else — the envelope, the XML parser (sax), multipart, faults, metadata — is `implementation.ts`,
 * required on the first SOAP message a container handles. esbuild keeps a module that is `require`d inside a function
 * in the bundle but evaluates it only when first required, so a REST-only container never evaluates SOAP's ≈ 44 KB.
 */
import { SOAP_METADATA_SERVICES } from '../metadata-services';
import type { MessageProtocol } from '../protocol';
import type { SoapMessages } from './implementation';

let loaded: SoapMessages | undefined;

/** The SOAP implementation, loaded on first use. */
function soap(): SoapMessages {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= (require('./implementation') as typeof import('./implementation')).soapMessages);
}

export const soapProtocol: MessageProtocol = {
  serviceType: 'WSDL',
  offeredType: 'soap',
  metadataServices: SOAP_METADATA_SERVICES,
  // `ANY /{proxy+}` does not match the root, in API Gateway nor in the local front.
  routes: [{ method: 'POST', path: '/' }],

  /** A request is SOAP when it is POSTed to the root, whatever its content type (a wrong one gets SOAP's own fault). */
  claims: (request) => request.method === 'POST' && request.rawPath === '/',

  readClientRequest: (request, newId) => soap().readClientRequest(request, newId),
  readForwardedRequest: (request) => soap().readForwardedRequest(request),
  clientAnswer: (answer, exchange) => soap().clientAnswer(answer, exchange),
  errorAnswer: (error, detail, request, side) => soap().errorAnswer(error, detail, request, side),
  errorBody: (body) => soap().errorBody(body),
  opmonFields: (request) => soap().opmonFields(request),
  opmonAnswerFields: (answer) => soap().opmonAnswerFields(answer),
};
