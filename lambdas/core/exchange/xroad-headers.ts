/**
 * The X-Road message headers as they cross the layer, whatever protocol the client speaks: the identity headers a
 * consumer gateway sends on and a provider gateway gives its backend (from the verified manifest), the answer headers
 * both gateways set, and the rules for their free-text values.
 */
import { clientError, XROAD_ERROR_HEADER } from '../kernel/errors';
import { singleHeaders } from '../kernel/http';
import { invalidPartReason } from '../kernel/identifiers';

/** The X-Road headers, lower-case as `Headers` keeps them. */
export const XROAD = {
  client: 'x-road-client',
  service: 'x-road-service',
  id: 'x-road-id',
  userId: 'x-road-userid',
  issue: 'x-road-issue',
  representedParty: 'x-road-represented-party',
  securityServer: 'x-road-security-server',
  requestId: 'x-road-request-id',
  requestHash: 'x-road-request-hash',
  error: XROAD_ERROR_HEADER,
} as const;

/** Longest accepted value of a free-text X-Road header (`X-Road-Id`, `X-Road-UserId`, `X-Road-Issue`). */
export const MAX_HEADER_VALUE_LENGTH = 255;

/** Why a free-text X-Road value (`X-Road-Id`, `X-Road-UserId`, `X-Road-Issue`) may not be sent on, if it may not. */
export function freeTextProblem(value: string): string | undefined {
  if (value.length > MAX_HEADER_VALUE_LENGTH) return `is longer than ${MAX_HEADER_VALUE_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'contains control characters';
  return undefined;
}

/** `X-Road-Represented-Party: [CLASS/]CODE`, each part a valid identifier part. */
export function parseRepresentedParty(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parts = value.split('/');
  if (parts.length > 2 || parts.some((part) => invalidPartReason(part) !== undefined)) {
    throw clientError('BadRequest', 'X-Road-Represented-Party must be [CLASS/]CODE');
  }
  return value;
}

/** Who a message is from and what it is, as the X-Road request headers state it. */
export interface MessageIdentity {
  /** The client subsystem, formatted. */
  readonly client: string;
  readonly xRoadId: string;
  readonly userId?: string;
  readonly issue?: string;
  readonly representedParty?: string;
}

/**
 * The X-Road request headers for a message, one line each: what the consumer gateway sends on (the request hash
 * covers them), and what the provider gateway gives its backend — from the verified manifest, never the caller's
 * own lines (a servlet's `getHeader` reads the first of two, the layer the last).
 */
export function identityHeaders(identity: MessageIdentity): Record<string, string[]> {
  const headers: Record<string, string> = { [XROAD.client]: identity.client, [XROAD.id]: identity.xRoadId };
  if (identity.userId !== undefined) headers[XROAD.userId] = identity.userId;
  if (identity.issue !== undefined) headers[XROAD.issue] = identity.issue;
  if (identity.representedParty !== undefined) headers[XROAD.representedParty] = identity.representedParty;
  return singleHeaders(headers);
}

/** The ids of an exchange, as the answer headers state them. */
export interface ExchangeHeaderIds {
  readonly client: string;
  readonly service: string;
  readonly xRoadId: string;
  readonly requestId: string;
  readonly requestHash: string;
}

/**
 * The X-Road headers on every answer to a verified request — the provider gateway's to the consumer gateway, the
 * consumer gateway's to its client — from the signed manifests, one line each.
 */
export function exchangeHeaders(ids: ExchangeHeaderIds): Record<string, string[]> {
  return singleHeaders({
    [XROAD.client]: ids.client,
    [XROAD.service]: ids.service,
    [XROAD.id]: ids.xRoadId,
    [XROAD.requestId]: ids.requestId,
    [XROAD.requestHash]: ids.requestHash,
  });
}
