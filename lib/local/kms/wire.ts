/**
 * The KMS JSON 1.1 wire protocol: `POST /`, `X-Amz-Target: TrentService.<Operation>`,
 * JSON bodies, blobs as base64 strings, timestamps as epoch seconds. Errors are
 * HTTP 4xx/5xx with `{"__type": "<ErrorName>", "message": "..."}`; the SDK turns
 * `__type` into the thrown error's `name`.
 *
 * This module reads requests (the operation, the body, its fields) and writes answers; what an operation does is
 * `operations.ts`'s.
 */
import * as crypto from 'crypto';
import type * as http from 'http';
import type { SignatureRefusal } from '../iam/aws-caller';
import { KmsError, wireError } from './kms-error';

export type JsonObject = Record<string, unknown>;

const TARGET_PREFIX = 'TrentService.';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** Extracts `<Operation>` from `X-Amz-Target: TrentService.<Operation>`. */
export function parseOperation(req: http.IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
    throw new KmsError('UnsupportedOperationException', `Missing or unrecognised X-Amz-Target header: ${String(target)}`);
  }
  return target.slice(TARGET_PREFIX.length);
}

export function parseJsonBody(body: Buffer): JsonObject {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new KmsError('SerializationException', 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new KmsError('SerializationException', 'Request body must be a JSON object');
  }
  return parsed as JsonObject;
}

export function sendJson(res: http.ServerResponse, status: number, body: JsonObject): void {
  if (res.headersSent || res.destroyed) return;
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': payload.length,
    'x-amzn-RequestId': crypto.randomUUID(),
  });
  res.end(payload);
}

/** Answers with the KMS-shaped JSON error for `err` (see {@link wireError}). */
export function sendError(res: http.ServerResponse, err: unknown): void {
  const { status, body } = wireError(err);
  sendJson(res, status, body);
}

/** KMS's answers to a request it cannot authenticate (as every AWS JSON service gives them). */
export const SIGNATURE_ERRORS: Readonly<Record<SignatureRefusal, KmsError>> = {
  MissingAuthenticationToken: new KmsError('MissingAuthenticationTokenException', 'Request is missing Authentication Token'),
  UnrecognizedClient: new KmsError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
  InvalidSignature: new KmsError('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.'),
};

/** The value of a tag in a CreateKey request's `Tags`. */
export function tagValue(request: JsonObject, tag: string): string | undefined {
  const tags = request.Tags;
  if (!Array.isArray(tags)) return undefined;
  const found = tags.find((entry) => (entry as { TagKey?: unknown }).TagKey === tag) as { TagValue?: unknown } | undefined;
  return typeof found?.TagValue === 'string' ? found.TagValue : undefined;
}

export function optionalString(request: JsonObject, field: string): string | undefined {
  const value = request[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new KmsError('SerializationException', `${field} must be a string`);
  return value;
}

export function requireString(request: JsonObject, field: string): string {
  const value = optionalString(request, field);
  if (value === undefined || value.length === 0) throw new KmsError('ValidationException', `${field} is required`);
  return value;
}

/** Decodes a base64 blob field; Buffer.from is lenient, so validate the alphabet first. */
export function requireBlob(request: JsonObject, field: string): Buffer {
  const value = requireString(request, field);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw new KmsError('SerializationException', `${field} is not valid base64`);
  }
  return Buffer.from(value, 'base64');
}
