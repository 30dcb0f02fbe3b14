/**
 * MIME multipart bodies (RFC 2046 §5.1), read strictly and written plainly: a body is an ignored preamble, parts each
 * opened by a delimiter line `--boundary` (the CRLF before it belongs to the delimiter), and a closing
 * `--boundary--` followed by an ignored epilogue. Each part is header lines, an empty line and its bytes.
 */
import { clientError } from '../../../kernel/errors';
import { headersOf, type Headers } from '../../../kernel/http';

/** A part as read: its headers, its bytes, and where they start in the whole body. */
export interface ReadPart {
  readonly headers: Headers;
  readonly body: Buffer;
  readonly bodyStart: number;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
// RFC 2046 §5.1.1 bchars, 1 to 70 of them, not ending with a space.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Splits a multipart body into its parts. Throws `Client.MimeParsingFailed` for anything RFC 2046 does not allow. */
export function readMultipart(body: Buffer, boundary: string): ReadPart[] {
  if (!BOUNDARY.test(boundary)) throw failed('the boundary parameter is not a valid RFC 2046 boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const crlfDelimiter = Buffer.concat([CRLF, delimiter]);
  let at = body.subarray(0, delimiter.length).equals(delimiter) ? 0 : body.indexOf(crlfDelimiter);
  if (at < 0) throw failed('no boundary delimiter line was found');
  if (at > 0) at += CRLF.length; // past the preamble's CRLF
  let next = afterDelimiter(body, at + delimiter.length);
  if (next === 'close') throw failed('the multipart body has no parts');
  const parts: ReadPart[] = [];
  for (;;) {
    const end = body.indexOf(crlfDelimiter, next);
    if (end < 0) throw failed('the closing boundary delimiter is missing');
    parts.push(readPart(body, next, end));
    const after = afterDelimiter(body, end + crlfDelimiter.length);
    if (after === 'close') return parts; // what follows is the epilogue
    next = after;
  }
}

/** After `--boundary`: `close` for `--`, else the offset past optional transport padding and CRLF. */
function afterDelimiter(body: Buffer, from: number): number | 'close' {
  if (body[from] === 0x2d && body[from + 1] === 0x2d) return 'close';
  let at = from;
  while (body[at] === 0x20 || body[at] === 0x09) at++;
  // RFC 2046 §5.1: a delimiter must not appear inside a part; a line that merely starts with one is refused.
  if (body[at] !== 0x0d || body[at + 1] !== 0x0a) throw failed('a boundary delimiter is not followed by CRLF');
  return at + CRLF.length;
}

function readPart(body: Buffer, start: number, end: number): ReadPart {
  const content = body.subarray(start, end);
  // A part may have no header lines at all: then it starts with the empty line.
  if (content.subarray(0, 2).equals(CRLF)) return { headers: headersOf([]), body: content.subarray(2), bodyStart: start + 2 };
  const headerEnd = content.indexOf(HEADER_END);
  if (headerEnd < 0) throw failed('a part has no empty line after its headers');
  const bodyOffset = headerEnd + HEADER_END.length;
  return { headers: headerLines(content.subarray(0, headerEnd).toString('utf8')), body: content.subarray(bodyOffset), bodyStart: start + bodyOffset };
}

function headerLines(text: string): Headers {
  const lines: string[] = [];
  for (const line of text.split('\r\n')) {
    // RFC 5322 §2.2.3: a line starting with white space continues the previous one.
    if (/^[ \t]/.test(line) && lines.length > 0) lines[lines.length - 1] += line;
    else lines.push(line);
  }
  return headersOf(
    lines.map((line): [string, string] => {
      const colon = line.indexOf(':');
      const name = colon < 0 ? '' : line.slice(0, colon).trim();
      if (!HEADER_NAME.test(name)) throw failed('a part header line is not "Name: value"');
      return [name, line.slice(colon + 1).trim()];
    }),
  );
}

/**
 * Writes a multipart/related body: each part's headers (`Name: value`), an empty line and its bytes, between
 * `--boundary` lines, closed by `--boundary--`. `type` is the root part's media type. Throws a plain `Error` for a
 * boundary that is not valid or occurs in a part, or a header with a line break (a programming error, never input).
 */
export function multipartBody(
  parts: readonly { headers: Record<string, string>; body: Buffer }[],
  boundary: string,
  type = 'text/xml',
): { contentType: string; body: Buffer } {
  if (!BOUNDARY.test(boundary)) throw new Error(`Invalid multipart boundary ${JSON.stringify(boundary)}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if (part.body.includes(delimiter)) throw new Error('A multipart part contains its boundary');
    const headers = Object.entries(part.headers).map(([name, value]) => {
      if (!HEADER_NAME.test(name) || /[\r\n]/.test(value)) throw new Error(`Invalid part header ${JSON.stringify(name)}`);
      return `${name}: ${value}\r\n`;
    });
    chunks.push(delimiter, CRLF, Buffer.from(`${headers.join('')}\r\n`), part.body, CRLF);
  }
  chunks.push(delimiter, Buffer.from('--\r\n'));
  const root = parts[0] && Object.entries(parts[0].headers).find(([name]) => name.toLowerCase() === 'content-id')?.[1];
  const start = root ? `; start="${root.replace(/["\\]/g, '\\$&')}"` : '';
  return { contentType: `multipart/related; type="${type}"; boundary="${boundary}"${start}`, body: Buffer.concat(chunks) };
}

function failed(what: string) {
  return clientError('MimeParsingFailed', `The multipart message cannot be read: ${what}`);
}
