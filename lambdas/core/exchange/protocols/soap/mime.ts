/**
 * What a SOAP message's HTTP body carries, in the three forms X-Road accepts (PR-MESS §2.4; X-Road's
 * `SoapMessageDecoder` and `SoapUtils.validateMimeType`): a bare SOAP envelope (`text/xml`), SOAP with attachments
 * (`multipart/related`, the SOAP part `text/xml`) and MTOM (`multipart/related`, the SOAP part
 * `application/xop+xml; type="text/xml"`). Sild reads SOAP in UTF-8 only.
 *
 * Deviations from X-Road, all stricter or clearer: a missing Content-Type is `Client.InvalidContentType` (X-Road:
 * `Client.InvalidRequest`); a bare `application/xop+xml` body is refused (X-Road parses it as XML); another charset
 * than UTF-8 is refused (X-Road decodes it); the root part is the one `start` names (X-Road always takes the first);
 * the multipart syntax is read strictly per RFC 2046 (X-Road's mime4j is lenient).
 */
import { clientError } from '../../../kernel/errors';
import { headerValue, type Headers } from '../../../kernel/http';
import { parseMediaType, type MediaType } from './media-type';
import { readMultipart, type ReadPart } from './multipart';

export { multipartBody } from './multipart';

/** One MIME part: its headers as sent (names lower-case) and its bytes. */
export interface MimePart {
  readonly headers: Headers;
  readonly body: Buffer;
}

export interface SoapPackage {
  readonly form: 'xml' | 'multipart' | 'mtom';
  /** The SOAP part's bytes exactly as sent (the whole body for `xml`). */
  readonly soapPart: Buffer;
  /** Where `soapPart` starts in the whole body, so an edit of it can be spliced back. */
  readonly soapPartStart: number;
  /** Every other part, in order. */
  readonly attachments: readonly MimePart[];
  /** The whole body's size in bytes. */
  readonly mimeSize: number;
}

const TEXT_XML = 'text/xml';
const XOP_XML = 'application/xop+xml';
// RFC 2045 §6.1 identity encodings: the part's bytes are the XML itself.
const IDENTITY_ENCODINGS = new Set(['7bit', '8bit', 'binary']);

/**
 * Reads the SOAP message a request's (or a service answer's) body carries. Throws `Client.InvalidContentType` for a
 * content type that carries no SOAP 1.1 message in UTF-8, `Client.MimeParsingFailed` for a multipart body that cannot
 * be read.
 */
export function readSoapPackage(contentType: string | undefined, body: Buffer): SoapPackage {
  const media = contentType === undefined ? undefined : parseMediaType(contentType);
  if (!media) throw invalidType(`The content type ${describe(contentType)} carries no SOAP message`);
  if (media.type === TEXT_XML) {
    requireUtf8(media, 'The SOAP message');
    return { form: 'xml', soapPart: body, soapPartStart: 0, attachments: [], mimeSize: body.length };
  }
  if (media.type !== 'multipart/related') throw invalidType(`The content type ${describe(contentType)} carries no SOAP message`);
  const boundary = media.parameters.get('boundary');
  if (!boundary) throw clientError('MimeParsingFailed', 'The multipart message cannot be read: its content type has no boundary parameter');
  const parts = readMultipart(body, boundary);
  const root = rootPart(parts, media.parameters.get('start'));
  const form = soapPartForm(root.headers);
  const encoding = headerValue(root.headers, 'content-transfer-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && !IDENTITY_ENCODINGS.has(encoding)) {
    throw clientError(
      'MimeParsingFailed',
      `The SOAP part's Content-Transfer-Encoding ${JSON.stringify(encoding.slice(0, 32))} is not 8bit (PR-MESS §2.4)`,
    );
  }
  return {
    form,
    soapPart: root.body,
    soapPartStart: root.bodyStart,
    attachments: parts.filter((part) => part !== root).map(({ headers, body }) => ({ headers, body })),
    mimeSize: body.length,
  };
}

/**
 * The root part: the first (PR-MESS §2.4: the SOAP part comes first; X-Road and most services read the first). A
 * `start` parameter (RFC 2387 §3.2) must name that same part: one naming another would have the gateway and the
 * service read different SOAP parts.
 */
function rootPart(parts: readonly ReadPart[], start: string | undefined): ReadPart {
  if (start === undefined) return parts[0];
  if (contentId(headerValue(parts[0].headers, 'content-id') ?? '') !== contentId(start)) {
    throw clientError(
      'MimeParsingFailed',
      'The multipart message cannot be read: its start parameter does not name the first part (the SOAP part comes first)',
    );
  }
  return parts[0];
}

const contentId = (value: string) => value.trim().replace(/^<(.*)>$/, '$1');

/** The form the SOAP part's own Content-Type says: `text/xml`, or MTOM's `application/xop+xml; type="text/xml"`. */
function soapPartForm(headers: Headers): 'multipart' | 'mtom' {
  const value = headerValue(headers, 'content-type');
  const media = value === undefined ? undefined : parseMediaType(value);
  if (media?.type === TEXT_XML) {
    requireUtf8(media, 'The SOAP part');
    return 'multipart';
  }
  if (media?.type === XOP_XML) {
    const inner = media.parameters.get('type')?.trim().toLowerCase();
    if (inner !== TEXT_XML) throw invalidType(`The MTOM SOAP part's type parameter ${describe(inner)} is not text/xml (SOAP 1.1)`);
    requireUtf8(media, 'The SOAP part');
    return 'mtom';
  }
  throw invalidType(`The SOAP part's content type ${describe(value)} is not text/xml or application/xop+xml`);
}

function requireUtf8(media: MediaType, what: string): void {
  const charset = media.parameters.get('charset');
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    throw invalidType(`${what} is in charset ${describe(charset)}: Sild reads SOAP in UTF-8 only`);
  }
}

const describe = (value: string | undefined) => (value === undefined ? '(none)' : JSON.stringify(value.slice(0, 64)));
const invalidType = (message: string) => clientError('InvalidContentType', message);
