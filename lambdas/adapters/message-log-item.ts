/**
 * How a message-log record is stored as a DynamoDB item — compactly, because DynamoDB bills every started KB of an
 * item as one write unit and each message writes four records.
 *
 * - The key already says whose record it is: `pk` = `<client> <X-Road-Id>` (client identifiers have no spaces),
 *   `sk` = `<side>#<direction>`; neither is repeated.
 * - Fields the signed manifest states (service, requestId, userId, method, target, status) are stored only where
 *   they differ from it (a layer error without a manifest keeps them all).
 * - The session certificate (~650 bytes, the same for every message a container signs) is stored once in its own
 *   item (`CERT_PK`, sk = its id) and referenced by a 16-byte id — see `certificateIdOf`.
 * - Hashes, manifest, signature and body are binary; other attributes have short names (`ITEM_NAMES`).
 * - Headers are one string of `name:value` lines, not a map: peers name them, and what lies between the log and the
 *   table (the SDK's marshaller and unmarshaller, a local DynamoDB) builds maps on plain objects, where a header named
 *   `__proto__` would set the prototype and vanish from the record while its signed manifest still covers it. The
 *   lines are also the smallest form (a map costs a list and its elements per header: a request record crossed 1 KB).
 *   A header HTTP could not carry (a name with `:`, a value with a line break) is stored as `[name, values]` pairs;
 *   items written with pairs or a map still read.
 * - `expiresAt` keeps its name (TTL is defined on it). Since the log is sealed from its stream (ADR 0004), no index is
 *   defined on `loggedAt` and `recordHash`: items write them as `t` (epoch ms, when it is an exact ISO time) and `rh`
 *   (32 bytes), and — the presence of `t` says it — in the format below.
 * - An inline body's hash, size and `inline` are what the body itself gives: only the body is stored
 *   (`bh`, `bn`, `bl` stay for bodies kept elsewhere, or not at all).
 * - A response repeats its request's service, user id, method and target (its own manifest does not state them; the
 *   request's does): stored only where they differ from the request record of the same exchange and side — which the
 *   writer knows when it logged that request itself in the same seal window (so both expire together) — and read back
 *   from that record. A response whose request record is gone reads without them, so its hash fails: what an audit
 *   must report (the audit leaves records past their retention, which TTL removes one by one, unchecked).
 *
 * The store is lossless: what is read back is exactly what was hashed and sealed, whatever a peer put into the parts it
 * controls — a base64 value that is not in canonical form (a certificate header without padding) is kept as the string
 * it was, and a field the record does not have but the peer's manifest states is stored as absent (`null`).
 *
 * A typical GET's request record, and its answer with a 200-byte body, are each under 1 KB (one write unit). Items
 * written before this format (with `loggedAt`; before that, `client`) still read.
 */
import { createHash } from 'node:crypto';
import { peerKeyed, type Headers } from '../core/kernel/http';
import type { MessageLogRecord } from '../core/log/records';

/** Partition key of stored certificates (sk = the certificate id in hex). */
export const CERT_PK = 'CERT';

/** The short attribute names, in one place (`record field → item attribute`). */
export const ITEM_NAMES = {
  manifest: 'm',
  signature: 'sg',
  certificate: 'c',
  headers: 'hd',
  bodySha256: 'bh',
  bodyBytes: 'bn',
  bodyLogged: 'bl',
  body: 'b',
  bodyLocation: 'bu',
  errorType: 'et',
  service: 'sv',
  requestId: 'ri',
  userId: 'u',
  method: 'mt',
  target: 'tg',
  status: 'st',
} as const;

/** The write's own id (storage only, not part of the record): how a retried append recognises its own first write. */
export const WRITE_ID = 'w';

/** Fields a manifest states, read back from it when the item omits them. */
const MANIFEST_FIELDS = ['service', 'requestId', 'userId', 'method', 'target', 'status'] as const;
type ManifestField = (typeof MANIFEST_FIELDS)[number];

/** Storage attributes that are not part of the logged record. */
export interface StorageAttributes {
  readonly sk: string;
  /** The record's hash (base64). */
  readonly recordHash: string;
  readonly expiresAt: number;
}

/** The compact names of `loggedAt` (epoch ms) and the record hash (binary) in items of the current format. */
export const LOGGED_AT_MS = 't';
export const RECORD_HASH = 'rh';

/** The request fields a response record repeats, stored only where they differ from its request record's. */
const REQUEST_FIELDS = ['service', 'userId', 'method', 'target'] as const;
type RequestFields = Pick<MessageLogRecord, (typeof REQUEST_FIELDS)[number]>;

/** `loggedAt` of an item of any format. */
export function loggedAtOf(item: Record<string, unknown>): string | undefined {
  const ms = item[LOGGED_AT_MS];
  if (ms !== undefined) return new Date(Number(ms)).toISOString();
  return item.loggedAt === undefined ? undefined : String(item.loggedAt);
}

/** The stored record hash (base64) of an item of any format. */
export function storedHashOf(item: Record<string, unknown>): string | undefined {
  const hash = item[RECORD_HASH] ?? item.recordHash;
  return hash === undefined ? undefined : typeof hash === 'string' ? hash : Buffer.from(hash as Uint8Array).toString('base64');
}

/** The sort key of the request record a response item answers (same exchange, same side). */
export const requestSkOf = (sk: string) => `${sk.split('#')[0]}#request`;

/** A certificate's id: the first 16 bytes of the SHA-256 of its bytes, in hex. */
export function certificateIdOf(certificate: string): string {
  return createHash('sha256').update(Buffer.from(certificate, 'base64')).digest().subarray(0, 16).toString('hex');
}

export const recordKeyOf = (client: string, xRoadId: string) => `${client} ${xRoadId}`;

/** Whether a base64 string is exactly what encoding its bytes gives (Node's decoder also takes other spellings). */
export const isCanonicalBase64 = (value: string) => Buffer.from(value, 'base64').toString('base64') === value;

/** The certificate of a record as stored once under its id — only a canonical one; any other spelling stays inline. */
export const storedCertificate = (record: Pick<MessageLogRecord, 'certificate'>) =>
  record.certificate !== undefined && isCanonicalBase64(record.certificate) ? record.certificate : undefined;

function manifestFields(manifest: string | undefined): Partial<Record<ManifestField, unknown>> {
  if (manifest === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(manifest, 'base64').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Partial<Record<ManifestField, unknown>>) : {};
  } catch {
    return {};
  }
}

/**
 * The item for a record (its certificate, if any, goes into its own item under `certificateIdOf`). `request`: for a
 * response, the request record of its exchange and side when the writer logged it in the same seal window — the
 * response's request fields are then stored only where they differ from it.
 */
export function recordToItem(record: MessageLogRecord, storage: StorageAttributes, request?: RequestFields): Record<string, unknown> {
  const stated = manifestFields(record.manifest);
  const exactTime = Date.parse(record.loggedAt);
  const item: Record<string, unknown> = {
    pk: recordKeyOf(record.client, record.xRoadId),
    sk: storage.sk,
    [RECORD_HASH]: Buffer.from(storage.recordHash, 'base64'),
    expiresAt: storage.expiresAt,
    // Epoch ms where that gives back the same text; any other `loggedAt` stays a string (the format is then the one before).
    ...(Number.isFinite(exactTime) && new Date(exactTime).toISOString() === record.loggedAt
      ? { [LOGGED_AT_MS]: exactTime }
      : { loggedAt: record.loggedAt }),
  };
  const compact = item[LOGGED_AT_MS] !== undefined;
  for (const field of MANIFEST_FIELDS) {
    const value = record[field];
    // What the reader takes where the item holds nothing: the manifest's statement, else (a response) its request's.
    const fromRequest = compact && record.direction === 'response' && (REQUEST_FIELDS as readonly string[]).includes(field);
    const known = stated[field] !== undefined || !fromRequest || request !== undefined;
    const expected = stated[field] !== undefined ? stated[field] : fromRequest ? request?.[field as keyof RequestFields] : undefined;
    if (known && value === expected) continue;
    item[ITEM_NAMES[field]] = value === undefined ? null : value;
  }
  const binary = (value: string | undefined) => (value === undefined ? undefined : isCanonicalBase64(value) ? Buffer.from(value, 'base64') : value);
  // An inline body states its own hash, size and place.
  const selfEvident =
    compact &&
    record.bodyLogged === 'inline' &&
    record.body !== undefined &&
    record.body.length === record.bodyBytes &&
    createHash('sha256').update(record.body).digest('base64') === record.bodySha256;
  const rest: Record<string, unknown> = {
    [ITEM_NAMES.manifest]: binary(record.manifest),
    [ITEM_NAMES.signature]: binary(record.signature),
    [ITEM_NAMES.certificate]:
      record.certificate === undefined
        ? undefined
        : storedCertificate(record)
          ? Buffer.from(certificateIdOf(record.certificate), 'hex')
          : record.certificate,
    [ITEM_NAMES.headers]: record.headers && storableHeaders(record.headers),
    [ITEM_NAMES.bodySha256]: selfEvident ? undefined : binary(record.bodySha256),
    [ITEM_NAMES.bodyBytes]: selfEvident ? undefined : record.bodyBytes,
    [ITEM_NAMES.bodyLogged]: selfEvident ? undefined : record.bodyLogged,
    [ITEM_NAMES.body]: record.body,
    [ITEM_NAMES.bodyLocation]: record.bodyLocation,
    [ITEM_NAMES.errorType]: record.errorType,
  };
  for (const [name, value] of Object.entries(rest)) if (value !== undefined) item[name] = value;
  return item;
}

/** A binary attribute as base64, or a string one (a non-canonical value kept as it was) as is. */
const base64 = (value: unknown) =>
  value === undefined ? undefined : typeof value === 'string' ? value : Buffer.from(value as Uint8Array).toString('base64');

/** The certificate id an item references (to load it before `itemToRecord`); an inline certificate references none. */
export function referencedCertificate(item: Record<string, unknown>): string | undefined {
  const id = item[ITEM_NAMES.certificate];
  return item.client === undefined && id !== undefined && typeof id !== 'string' ? Buffer.from(id as Uint8Array).toString('hex') : undefined;
}

/**
 * The record an item stores. `certificates` holds the referenced certificates by id; one that is missing leaves the
 * record without its certificate — its hash then no longer matches, which is what an audit reports. `request`: for a
 * response item, the request record of the same exchange and side, if the log holds it.
 */
export function itemToRecord(
  item: Record<string, unknown>,
  certificates: ReadonlyMap<string, string> = new Map(),
  request?: RequestFields,
): MessageLogRecord {
  if (item.client !== undefined) return legacyItemToRecord(item);
  const pk = String(item.pk);
  const space = pk.indexOf(' ');
  const [side, direction] = String(item.sk).split('#');
  const manifest = base64(item[ITEM_NAMES.manifest]);
  const stated = manifestFields(manifest);
  const compact = item[LOGGED_AT_MS] !== undefined;
  const field = (name: ManifestField) => {
    const stored = item[ITEM_NAMES[name]];
    if (stored === null) return undefined;
    if (stored !== undefined) return stored;
    if (stated[name] !== undefined || !compact || direction !== 'response') return stated[name];
    return (REQUEST_FIELDS as readonly string[]).includes(name) ? request?.[name as keyof RequestFields] : undefined;
  };
  const body = item[ITEM_NAMES.body] === undefined ? undefined : Buffer.from(item[ITEM_NAMES.body] as Uint8Array);
  const inline = compact && body !== undefined && item[ITEM_NAMES.bodyLogged] === undefined;
  const certificateId = referencedCertificate(item);
  const inlineCertificate = item[ITEM_NAMES.certificate];
  const record: Record<string, unknown> = {
    client: pk.slice(0, space),
    xRoadId: pk.slice(space + 1),
    side,
    direction,
    service: field('service'),
    requestId: field('requestId'),
    userId: field('userId'),
    method: field('method'),
    target: field('target'),
    status: field('status'),
    loggedAt: loggedAtOf(item),
    manifest,
    signature: base64(item[ITEM_NAMES.signature]),
    certificate:
      certificateId === undefined ? (typeof inlineCertificate === 'string' ? inlineCertificate : undefined) : certificates.get(certificateId),
    errorType: item[ITEM_NAMES.errorType],
    headers: storedHeaders(item[ITEM_NAMES.headers]),
    bodySha256: inline ? createHash('sha256').update(body!).digest('base64') : base64(item[ITEM_NAMES.bodySha256]),
    bodyBytes: inline ? body!.length : Number(item[ITEM_NAMES.bodyBytes]),
    bodyLogged: inline ? 'inline' : item[ITEM_NAMES.bodyLogged],
    body,
    bodyLocation: item[ITEM_NAMES.bodyLocation],
  };
  for (const [name, value] of Object.entries(record)) if (value === undefined) delete record[name];
  return record as unknown as MessageLogRecord;
}

/** Headers as `name:value` lines (each value of a repeated header on its own line, in order), or pairs where a line cannot hold one. */
function storableHeaders(headers: Headers): string | [string, readonly string[]][] {
  const entries = Object.entries(headers);
  // No headers: an empty list (an empty string is what older DynamoDB implementations refuse).
  if (
    entries.length === 0 ||
    entries.some(([name, values]) => name.includes(':') || name.includes('\n') || values.some((value) => value.includes('\n')))
  )
    return entries;
  return entries.flatMap(([name, values]) => values.map((value) => `${name}:${value}`)).join('\n');
}

/** The headers an item holds — lines, `[name, values]` pairs, or a map in older items — keyed without a prototype. */
function storedHeaders(stored: unknown): Headers | undefined {
  if (stored === undefined) return undefined;
  const headers = peerKeyed<string[]>();
  if (typeof stored === 'string') {
    for (const line of stored === '' ? [] : stored.split('\n')) {
      const colon = line.indexOf(':');
      (headers[line.slice(0, colon)] ??= []).push(line.slice(colon + 1));
    }
    return headers;
  }
  const entries = Array.isArray(stored) ? (stored as [string, string[]][]) : Object.entries(stored as Record<string, string[]>);
  for (const [name, values] of entries) headers[name] = [...values];
  return headers;
}

/** Items written before the compact format: the record's own field names, base64 fields as binary. */
function legacyItemToRecord(item: Record<string, unknown>): MessageLogRecord {
  const record: Record<string, unknown> = { ...item };
  for (const name of ['pk', 'sk', 'expiresAt', 'recordHash', 'sealWindow']) delete record[name];
  if (record.body !== undefined) record.body = Buffer.from(record.body as Uint8Array);
  if (record.headers !== undefined) record.headers = storedHeaders(record.headers);
  for (const name of ['manifest', 'signature', 'certificate']) if (record[name] !== undefined) record[name] = base64(record[name]);
  return record as unknown as MessageLogRecord;
}
