/**
 * The message protocols a gateway speaks, in the order they are asked whether a request is theirs. REST claims every
 * request the others leave, so it stays last: a new protocol is registered before it.
 */
import type { MessageProtocol, RequestHead } from './protocol';
import { restProtocol } from './rest/protocol';
import { soapProtocol } from './soap/protocol';

export const PROTOCOLS: readonly MessageProtocol[] = [soapProtocol, restProtocol];

/** The protocol a request is in: the first that claims it. */
export function protocolOf(request: RequestHead, protocols: readonly MessageProtocol[] = PROTOCOLS): MessageProtocol {
  return protocols.find((protocol) => protocol.claims(request)) ?? restProtocol;
}

export { RESERVED_SERVICE_CODES } from './metadata-services';
