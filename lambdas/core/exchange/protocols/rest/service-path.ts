/**
 * The service path: what follows the service id in `/r1/INST/CLASS/CODE/SUB/SERVICE[/path]`. Both gateway sides
 * reduce it to one canonical form, so that the path access rights are checked against is the path the backend
 * receives — no later URL parsing or backend normalisation may resolve it into another one (`/123/x\..\..\456`
 * → `/456`, `/public/..;/secret` → `/secret` behind Tomcat or Jetty).
 *
 * A path is refused (`Client.BadRequest`) when it
 * - holds a character that is neither an RFC 3986 path character nor a `%XX` escape (`\`, space, `"`, `<`, …);
 * - has a malformed escape, or one that decodes to invalid UTF-8, or an encoded `;` (see path parameters below);
 * - has a segment that decodes to something holding `/`, `\` or a control character (`%2F`, `%5C`, `%00`, …), also
 *   after Unicode compatibility normalisation (`／`, `＼`);
 * - has a segment that is a dot segment in any spelling — `.`, `..`, `%2e`, `.%2E`, the full-width `．．`, or only dots
 *   and spaces (`...`, `.. `, which Windows servers trim to `..`);
 * - has a segment that still holds an escape once decoded — `%XX` of any byte, or the `%uXXXX` form IIS, .NET's
 *   `UrlDecode` and JavaScript's `unescape` read (`%252e%252e`, `%25u002e%25u002e`: a backend or proxy that decodes
 *   twice would see `..`; `%25C0%25AE` and `%25EF%25BC%258E` are dots to lenient UTF-8 or compatibility decoding);
 * - has an empty segment other than a trailing slash (`//`);
 * - is longer than `MAX_SERVICE_PATH_LENGTH` characters or has more than `MAX_SERVICE_PATH_SEGMENTS` segments.
 *
 * Path parameters (`;`, RFC 3986 §3.3). `;` is a path character and stays allowed (JAX-RS matrix parameters,
 * `;jsessionid=`), but servlet containers drop everything from a segment's first `;` before routing, so
 * `/public/..;x=1/secret` is `/secret` to Tomcat. Every check above therefore also applies to the part of each
 * segment before its first `;`, a segment that is only parameters (`/;x/`) is refused, and access rights must match
 * both the segments as sent and the segments without their parameters (`routedSegments`) — the two views a backend
 * may route by. An encoded `;` (`%3B`) is refused: servers disagree whether it separates parameters, and an HTTP API
 * delivers it decoded anyway.
 *
 * What passes is forwarded byte for byte; its decoded segments are what access rights match.
 */
import { clientError } from '../../../kernel/errors';

/** Longest service path accepted (characters, still encoded). */
export const MAX_SERVICE_PATH_LENGTH = 2048;
/** Most segments a service path may have (bounds access-rule matching). */
export const MAX_SERVICE_PATH_SEGMENTS = 128;

export interface ServicePath {
  /** As received, still percent-encoded: `''` or `/…`. Appended to the service's backend URL unchanged. */
  readonly encoded: string;
  /** The segments, each percent-decoded; an empty path is the one empty segment of `/`. */
  readonly segments: readonly string[];
}

/** RFC 3986 `pchar` (unreserved, sub-delims, `:`, `@`) plus `%` for escapes; `/` separates segments. */
const PATH_CHARACTERS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
const ESCAPE = /%(?![0-9A-Fa-f]{2})/;
const ENCODED_SEMICOLON = /%3b/i;
// eslint-disable-next-line no-control-regex
const FORBIDDEN_DECODED = /[/\\\u0000-\u001f\u007f]/;
/** Only dots and white space, at least one dot: a dot segment to some server. */
const DOT_SEGMENT = /^[\s.]*\.[\s.]*$/u;
/**
 * An escape left after decoding: a second decoding turns it into anything — a separator, a dot, a control character,
 * or bytes a lenient decoder or compatibility normalisation reads as one. `%u` escapes are IIS's and `unescape`'s.
 */
const DOUBLE_ENCODED = /%([0-9a-f]{2}|u[0-9a-f]{4})/i;

const refuse = (reason: string) => clientError('BadRequest', `The service path ${reason}`);

/** Validates the raw segments after the service id and returns the canonical service path. */
export function canonicalServicePath(rawSegments: readonly string[]): ServicePath {
  const encoded = rawSegments.length === 0 ? '' : `/${rawSegments.join('/')}`;
  if (encoded.length > MAX_SERVICE_PATH_LENGTH) throw refuse(`is longer than ${MAX_SERVICE_PATH_LENGTH} characters`);
  if (rawSegments.length > MAX_SERVICE_PATH_SEGMENTS) throw refuse(`has more than ${MAX_SERVICE_PATH_SEGMENTS} segments`);
  if (!PATH_CHARACTERS.test(encoded)) throw refuse('holds a character that must be percent-encoded (such as \\, a space or a quote)');
  if (ESCAPE.test(encoded)) throw refuse('holds a malformed percent-escape');
  if (ENCODED_SEMICOLON.test(encoded)) throw refuse('holds an encoded ";" (%3B): send path parameters with a plain ";"');
  if (rawSegments.length === 0) return { encoded, segments: [''] };
  const segments = rawSegments.map((raw, index) => checkedSegment(raw, index === rawSegments.length - 1));
  return { encoded, segments };
}

/** The segments as a servlet container routes them: each without its path parameters (from its first `;`). */
export function routedSegments(path: ServicePath): readonly string[] {
  return path.segments.map(withoutParameters);
}

const withoutParameters = (segment: string) => segment.split(';', 1)[0];

/** One raw segment, decoded, or the reason it is refused (see the list at the top). */
function checkedSegment(raw: string, last: boolean): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw refuse('holds a percent-escape that is not UTF-8');
  }
  const normalized = decoded.normalize('NFKC');
  if (FORBIDDEN_DECODED.test(decoded) || FORBIDDEN_DECODED.test(normalized))
    throw refuse('holds an encoded "/", "\\" or control character inside a segment');
  if (DOUBLE_ENCODED.test(decoded)) throw refuse('holds a percent-escape that is itself percent-encoded');
  if (decoded === '') {
    if (!last) throw refuse('must not contain empty segments ("//")');
    return decoded;
  }
  const routed = withoutParameters(decoded);
  if (routed === '' || withoutParameters(normalized) === '') throw refuse('must not contain a segment of path parameters only ("/;…")');
  if ([decoded, routed, normalized, withoutParameters(normalized)].some((view) => DOT_SEGMENT.test(view))) {
    throw refuse('must not contain "." or ".." segments (in any spelling, path parameters included)');
  }
  return decoded;
}

/**
 * The backend URL for a call: the service's base URL, the service path as received, the query as received. The
 * result is checked with the URL parser: if parsing would change the path or leave the base URL (it must not, for
 * a canonical path), the call is refused rather than sent somewhere the access rights did not look at.
 */
export function backendUrl(base: string, path: ServicePath, rawQuery: string): string {
  const trimmedBase = base.replace(/\/+$/, '');
  const url = `${trimmedBase}${path.encoded}${rawQuery ? `?${rawQuery}` : ''}`;
  const parsedBase = new URL(trimmedBase);
  const parsed = new URL(url);
  const basePath = parsedBase.pathname === '/' ? '' : parsedBase.pathname;
  const expectedPath = `${basePath}${path.encoded}` || '/';
  if (parsed.origin !== parsedBase.origin || parsed.pathname !== expectedPath) {
    throw refuse("would leave the service's backend URL");
  }
  return url;
}
