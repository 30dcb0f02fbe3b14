/**
 * Checks a message-log record: its manifest's signature against the signer's key in the global configuration; the
 * logged body against the body hash; where the headers and the body (or its being empty) were logged, the signed
 * request or response hash recomputed from them; and — whatever was logged — every field the record states against
 * the signed manifest that states it too. `sild log verify` (`audit.ts`) and evidence verification
 * (`evidence.ts`) both check with this.
 *
 * Why the fields are compared one by one: a seal needs only the log owner's key, so the owner can rewrite and reseal
 * any record. Only a signature vouches for a field against the owner — its peer's, which it cannot make, or its own,
 * which the peer holds a copy of. The recomputed hash needs the logged body and headers (metadata log mode, withheld
 * and hash-only bodies have none), so a field is bound by comparing it with the manifest directly:
 *
 * | record   | against its own manifest                                     | against the request manifest of its exchange |
 * |----------|--------------------------------------------------------------|----------------------------------------------|
 * | request  | a `sild.request.v1` manifest; client, xRoadId, service, requestId, userId, method, target equal; no status, no errorType; logged header names within `headers` | — |
 * | response | a `sild.response.v1` manifest; xRoadId, requestId, status equal; an errorType only where `headers` covers X-Road-Error (and equal to a logged X-Road-Error); logged header names within `headers` | client, xRoadId, service, requestId, userId, method, target equal; the manifest's xRoadId, requestId and requestHash the request's (`answersRequest`) |
 *
 * A record without a manifest is the log owner's word alone, so it may only be what the layer answers unsigned — its
 * own error (a response with an X-Road error type and a 4xx/5xx status) — never a status in place of a signed one.
 * Not bound: header values and the body when a non-empty body was not logged (the manifests hash them with SHA-512,
 * the log keeps a SHA-256); X-Road-Issue and X-Road-Represented-Party, which a record states only in its headers;
 * `loggedAt`, from another clock than the peer's `createdAt` (the consumer side puts no bound on a response's age).
 */
import { XROAD_ERROR_HEADER } from '../kernel/errors';
import { requestHash, responseHash, sha256Base64 } from '../kernel/hashing';
import type { GlobalConfiguration } from '../trust/global-configuration';
import { headerValue } from '../kernel/http';
import type { RequestManifest, ResponseManifest } from '../trust/manifest';
import type { MessageLogRecord } from './records';
import { resolveSigner } from '../trust/message-signer';
import { verifySignature } from '../kernel/signatures';

/** A field a record states that the signed manifest states otherwise. */
export interface Contradiction {
  /** The record's field (`status`, `method`, …; `direction` when the manifest is of the other direction). */
  readonly field: string;
  readonly stated: unknown;
  readonly signed: unknown;
  /** Whose statement: the record's own manifest, or the request manifest a response record answers. */
  readonly manifest: 'own' | 'request';
}

export interface RecordCheck {
  readonly signer?: string;
  readonly keyId?: string;
  /** True when the manifest signature verifies with the signer's published key. */
  readonly signatureValid: boolean;
  /** Why the signature does not verify (unknown key, no signature…); undefined when it does. */
  readonly signatureProblem?: string;
  /** True when the logged body (kept inline or in the bundle, or stated empty) matches the logged body hash. */
  readonly bodyMatches: boolean;
  /** True when the logged headers and body reproduce the manifest's hash; undefined when they were not logged. */
  readonly hashMatches?: boolean;
  /** Fields the record states that a signed manifest contradicts (see the table above); empty when all agree. */
  readonly contradictions: readonly Contradiction[];
  /** A signed response checked with its request: whether its manifest answers the request's; else undefined. */
  readonly answersRequest?: boolean;
  /** A record without a manifest: why it may not stand unsigned; undefined when it may (a layer error). */
  readonly unsignedProblem?: string;
  /** Whether the record holds: every check above that applies to it passes. */
  readonly valid: boolean;
  /** Every problem, `; `-separated (undefined when valid) — or, for a valid unsigned record, what it is. */
  readonly problem?: string;
}

type PublicKeyLookup = Pick<GlobalConfiguration, 'publicKey'>;

const REQUEST_TYPE: RequestManifest['type'] = 'sild.request.v1';
const RESPONSE_TYPE: ResponseManifest['type'] = 'sild.response.v1';

/** A logged manifest, parsed but not schema-checked: a field of the wrong shape just fails to match. */
type LoggedManifest = Partial<Omit<RequestManifest, 'type'> & Omit<ResponseManifest, 'type'>> & { readonly type?: unknown };

/** The request fields a record repeats: its manifest's for a request record, its request's for a response record. */
const REQUEST_FIELDS = ['client', 'xRoadId', 'service', 'requestId', 'userId', 'method', 'target'] as const;

/**
 * Checks a record; `request` is the request record of the same exchange on the same side, which binds a response
 * record's request fields (absent when the log no longer holds it: those fields are then left unchecked).
 */
export function checkLogRecord(record: MessageLogRecord, keys: PublicKeyLookup, request?: Pick<MessageLogRecord, 'manifest'>): RecordCheck {
  const body = loggedBody(record);
  const bodyMatches = body === undefined || sha256Base64(body) === record.bodySha256;
  const requestManifest = record.direction === 'response' ? parseManifest(request?.manifest) : undefined;
  if (record.manifest === undefined) {
    const contradictions = contradictionsOf(record, undefined, requestManifest);
    const unsignedProblem = unsignedProblemOf(record);
    const problems = [unsignedProblem, bodyMatches ? undefined : 'body does not match its hash', ...contradictions.map(describeContradiction)];
    return summary({ signatureValid: false, bodyMatches, contradictions, unsignedProblem }, problems, `unsigned layer error ${record.errorType}`);
  }
  const bytes = Buffer.from(record.manifest, 'base64');
  const manifest = parseManifest(record.manifest);
  if (!manifest)
    return summary({ signatureValid: false, signatureProblem: 'manifest is not JSON', bodyMatches, contradictions: [] }, ['manifest is not JSON']);
  const resolution = manifest.signer
    ? resolveSigner(keys, manifest.signer, Date.parse(String(manifest.createdAt)), record.certificate)
    : { problem: 'manifest names no signer' };
  const key = 'publicKey' in resolution ? resolution.publicKey : undefined;
  const signatureValid = key !== undefined && record.signature !== undefined && verifySignature(key, bytes, Buffer.from(record.signature, 'base64'));
  const signatureProblem = signatureValid
    ? undefined
    : 'problem' in resolution
      ? resolution.problem
      : record.signature === undefined
        ? 'no signature'
        : 'signature invalid';
  const hashMatches = record.headers && body !== undefined ? recomputedHash(record, manifest, body) : undefined;
  const contradictions = contradictionsOf(record, manifest, requestManifest);
  const answersRequest =
    record.direction === 'response' && requestManifest?.type === REQUEST_TYPE && manifest.type === RESPONSE_TYPE
      ? manifest.xRoadId === requestManifest.xRoadId &&
        manifest.requestId === requestManifest.requestId &&
        manifest.requestHash === requestManifest.requestHash
      : undefined;
  const problems = [
    signatureProblem,
    bodyMatches ? undefined : 'body does not match its hash',
    hashMatches === false ? 'logged message does not match its signed hash' : undefined,
    ...contradictions.map(describeContradiction),
    answersRequest === false ? 'its manifest does not answer the logged request (X-Road-Id, request id or request hash differ)' : undefined,
  ];
  return summary(
    {
      signer: manifest.signer?.gateway,
      keyId: manifest.signer?.keyId,
      signatureValid,
      signatureProblem,
      bodyMatches,
      hashMatches,
      contradictions,
      answersRequest,
    },
    problems,
  );
}

/** A contradiction in words, e.g. `status: the record states 200, its signed manifest 403`. */
export function describeContradiction(contradiction: Contradiction): string {
  const signedBy = contradiction.manifest === 'own' ? 'its signed manifest' : 'the signed request manifest';
  return `${contradiction.field}: the record states ${shown(contradiction.stated)}, ${signedBy} ${shown(contradiction.signed)}`;
}

const shown = (value: unknown) => (value === undefined ? 'none' : JSON.stringify(value));

function summary(check: Omit<RecordCheck, 'valid' | 'problem'>, problems: readonly (string | undefined)[], validDescription?: string): RecordCheck {
  const found = problems.filter((problem): problem is string => problem !== undefined);
  return {
    ...check,
    valid: found.length === 0,
    ...(found.length ? { problem: found.join('; ') } : validDescription ? { problem: validDescription } : {}),
  };
}

function parseManifest(encoded: string | undefined): LoggedManifest | undefined {
  if (encoded === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as LoggedManifest) : undefined;
  } catch {
    return undefined;
  }
}

/** The fields of `record` that its own manifest (`own`) or, for a response, its request's manifest contradict. */
function contradictionsOf(record: MessageLogRecord, own: LoggedManifest | undefined, request: LoggedManifest | undefined): Contradiction[] {
  const found: Contradiction[] = [];
  const compare = (field: string, stated: unknown, signed: unknown, manifest: Contradiction['manifest']) => {
    if (stated !== signed) found.push({ field, stated, signed, manifest });
  };
  const expectedType = record.direction === 'request' ? REQUEST_TYPE : RESPONSE_TYPE;
  if (own && own.type !== expectedType) {
    // A manifest of the other direction states other fields: comparing them would only add noise.
    compare('direction', record.direction, own.type, 'own');
  } else if (own) {
    if (record.direction === 'request') {
      for (const field of REQUEST_FIELDS) compare(field, record[field], own[field], 'own');
      compare('status', record.status, undefined, 'own');
      compare('errorType', record.errorType, undefined, 'own');
    } else {
      for (const field of ['xRoadId', 'requestId', 'status'] as const) compare(field, record[field], own[field], 'own');
      if (record.errorType !== undefined) {
        // The error type is the X-Road-Error header of the answer: the signer must have covered one, and the logged
        // one (when the headers were logged) must say the same.
        const covered = Array.isArray(own.headers) && own.headers.includes(XROAD_ERROR_HEADER);
        const logged = record.headers ? headerValue(record.headers, XROAD_ERROR_HEADER) : record.errorType;
        if (!covered || logged !== record.errorType) compare('errorType', record.errorType, covered ? logged : undefined, 'own');
      }
    }
    const covered = new Set(Array.isArray(own.headers) ? own.headers : []);
    const uncovered = Object.keys(record.headers ?? {}).filter((name) => !covered.has(name));
    if (uncovered.length > 0) found.push({ field: 'headers', stated: uncovered, signed: [...covered], manifest: 'own' });
  }
  if (record.direction === 'response' && request?.type === REQUEST_TYPE) {
    for (const field of REQUEST_FIELDS) compare(field, record[field], request[field], 'request');
  }
  return found;
}

/** Unsigned, a record can only be the layer's own error answer: a response naming its X-Road error, with an error status. */
function unsignedProblemOf(record: MessageLogRecord): string | undefined {
  if (record.direction !== 'response') return 'a request record must carry its signed manifest';
  if (record.errorType === undefined)
    return `an unsigned response must be a layer error, but it names no X-Road error (status ${shown(record.status)})`;
  if (record.status === undefined || record.status < 400 || record.status > 599)
    return `an unsigned layer error must carry an error status, not ${shown(record.status)}`;
  return undefined;
}

/**
 * The body as the record gives it: kept, or — stated empty — known without being kept (a GET under metadata log mode,
 * a refused request's withheld body), so the signed hash still binds the logged headers, method, target and status.
 */
function loggedBody(record: MessageLogRecord): Buffer | undefined {
  return record.body ?? (record.bodyBytes === 0 ? Buffer.alloc(0) : undefined);
}

function recomputedHash(record: MessageLogRecord, manifest: LoggedManifest, body: Buffer): boolean {
  const headers = record.headers ?? {};
  const names = Array.isArray(manifest.headers) ? manifest.headers : [];
  if (record.direction === 'request') return requestHash(record.method, record.target, headers, names, body) === manifest.requestHash;
  return responseHash(record.status ?? 0, headers, names, body) === manifest.responseHash;
}
