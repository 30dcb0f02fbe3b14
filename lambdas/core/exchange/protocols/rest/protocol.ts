/**
 * X-Road's REST message protocol (PR-REST) behind the protocol seam: the service named by the `/r1/…` path, access
 * rights on the method and the service-relative path, the backend called at the service's base URL plus that path,
 * errors as JSON or XML with their own status, and the metadata services PR-MREST defines.
 */
import { errorResponse } from '../../../kernel/errors';
import { headerValue, requestTarget, splitTarget } from '../../../kernel/http';
import { exchangeHeaders } from '../../xroad-headers';
import type { MessageProtocol } from '../protocol';
import { readErrorBody } from './error-body';
import { methodOverrideRefusal, parseServicePath, parseServiceRequest, withoutMethodOverrides } from './message';
import { isMetadataRequest, LIST_CLIENTS_PATH, listClientsAnswer, metadataAnswer, METADATA_SERVICES } from './metadata';
import { backendUrl, routedSegments, type ServicePath } from './service-path';

/** How opmon names the path: the service-relative path without the query (queries may carry personal data). */
const restPath = (servicePath: ServicePath) => servicePath.encoded || '/';

export const restProtocol: MessageProtocol = {
  serviceType: 'REST',
  offeredType: 'rest',
  metadataServices: METADATA_SERVICES,

  // REST answers every request no other protocol claims, so that `/r2/…` or a malformed path gets its own error.
  claims: () => true,

  localAnswer(request, configurations) {
    return request.method === 'GET' && request.rawPath === LIST_CLIENTS_PATH
      ? listClientsAnswer(configurations, request.rawQuery, headerValue(request.headers, 'accept'))
      : undefined;
  },

  readClientRequest(request, newId) {
    const message = parseServiceRequest(request, newId);
    const refusal = methodOverrideRefusal(request.headers, request.body);
    if (refusal) throw refusal;
    return {
      ...message,
      target: requestTarget(request.rawPath, withoutMethodOverrides(request.rawQuery)),
      metadata: isMetadataRequest(message.service, message.servicePath),
      opmon: { restPath: restPath(message.servicePath) },
    };
  },

  readForwardedRequest(request) {
    const target = splitTarget(request.target);
    const { service, servicePath } = parseServicePath(target.path);
    const query = withoutMethodOverrides(target.query);
    const { method } = request;
    return {
      service,
      metadata: isMetadataRequest(service, servicePath),
      // Both views a backend may route by must be granted: the segments as sent, and without path parameters.
      accessViews: [
        { method, segments: servicePath.segments },
        { method, segments: routedSegments(servicePath) },
      ],
      callName: `${method} ${servicePath.encoded || '/'}`,
      opmon: { restPath: restPath(servicePath) },
      refusal: () => methodOverrideRefusal(request.headers, request.body),
      backendCall: (offered, headers, body) => ({ method, url: backendUrl(offered.backendUrl, servicePath, query), headers, body }),
      metadataAnswer: (context) => metadataAnswer(service, query, context),
    };
  },

  clientAnswer: (answer, exchange) => ({ ...answer, headers: { ...answer.headers, ...exchangeHeaders(exchange) } }),

  errorAnswer: (error, detail, request) => errorResponse(error, error.origin, detail, headerValue(request.headers, 'accept')),

  errorBody: readErrorBody,

  opmonFields: (request) => ({ serviceType: 'REST', restMethod: request.method }),
};
