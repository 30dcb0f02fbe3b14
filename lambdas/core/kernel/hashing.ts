/**
 * Message hashes. The request hash is X-Road's: `base64(SHA512(SHA512(headerPart) || SHA512(body)))`, or
 * `base64(SHA512(headerPart))` when there is no body, where the header part is the start line(s) followed by
 * `name:value\r\n` for each header. The response hash applies the same rule to `STATUS\r\n` and the response headers.
 */
import { createHash } from 'node:crypto';
import { headerValues, type HeaderInput } from './http';

/** Headers as hashed: `Headers`, or single values where a client (or a test) has only those. */
export type HashedHeaders = HeaderInput;

const sha512 = (data: Buffer | string) => createHash('sha512').update(data).digest();

/**
 * Hashes a message: `startLines` are joined with CRLF, then each header in `headerNames` order as `name:value`,
 * one line per value of a repeated header, in its order. Names are lower-case; the caller fixes the order of names
 * (Sild sorts them) so both ends compute the same bytes. A listed header that is missing adds no line.
 */
export function messageHash(startLines: readonly string[], headers: HashedHeaders, headerNames: readonly string[], body: Buffer): string {
  let headerPart = startLines.map((line) => `${line}\r\n`).join('');
  for (const name of headerNames) for (const value of headerValues(headers, name) ?? []) headerPart += `${name}:${value}\r\n`;
  const headerHash = sha512(headerPart);
  const digest = body.length === 0 ? headerHash : sha512(Buffer.concat([headerHash, sha512(body)]));
  return digest.toString('base64');
}

/** X-Road's request hash over `METHOD`, the request target (`/r1/…?query`), the signed headers and the body. */
export function requestHash(method: string, target: string, headers: HashedHeaders, headerNames: readonly string[], body: Buffer): string {
  return messageHash([method, target], headers, headerNames, body);
}

/** The response hash over the status, the signed headers and the body. */
export function responseHash(status: number, headers: HashedHeaders, headerNames: readonly string[], body: Buffer): string {
  return messageHash([String(status)], headers, headerNames, body);
}

/** The header names a manifest covers: every header present, sorted, so the order is canonical. */
export function signedHeaderNames(headers: HashedHeaders): string[] {
  return Object.keys(headers).sort();
}

export function sha256Base64(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('base64');
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
