/**
 * The service path: what follows the service id in `/r1/INST/CLASS/CODE/SUB/SERVICE[/path]`. Both gateway sides
 * reduce it to one canonical form, so that the path access rights are checked against is the path the backend
 * receives — no later URL parsing may resolve it into another one (`/123/x\..\..\456` → `/456`).
 *
 * A path is refused (`Client.BadRequest`) when it
 * - holds a character that is neither an RFC 3986 path character nor a `%XX` escape (`\`, space, `"`, `<`, …);
 * - has a malformed escape, or one that decodes to invalid UTF-8;
 * - has a segment that decodes to something holding `/`, `\` or a control character (`%2F`, `%5C`, `%00`, …);
 * - has a dot segment in any spelling (`.`, `..`, `%2e`, `.%2E`, …);
 * - has an empty segment other than a trailing slash (`//`);
 * - is longer than `MAX_SERVICE_PATH_LENGTH` characters or has more than `MAX_SERVICE_PATH_SEGMENTS` segments.
 *
 * What passes is forwarded byte for byte; its decoded segments are what access rights match.
 */
import { clientError } from './errors';

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
// eslint-disable-next-line no-control-regex
const FORBIDDEN_DECODED = /[/\\\u0000-\u001f\u007f]/;

const refuse = (reason: string) => clientError('BadRequest', `The service path ${reason}`);

/** Validates the raw segments after the service id and returns the canonical service path. */
export function canonicalServicePath(rawSegments: readonly string[]): ServicePath {
  const encoded = rawSegments.length === 0 ? '' : `/${rawSegments.join('/')}`;
  if (encoded.length > MAX_SERVICE_PATH_LENGTH) throw refuse(`is longer than ${MAX_SERVICE_PATH_LENGTH} characters`);
  if (rawSegments.length > MAX_SERVICE_PATH_SEGMENTS) throw refuse(`has more than ${MAX_SERVICE_PATH_SEGMENTS} segments`);
  if (!PATH_CHARACTERS.test(encoded)) throw refuse('holds a character that must be percent-encoded (such as \\, a space or a quote)');
  if (ESCAPE.test(encoded)) throw refuse('holds a malformed percent-escape');
  if (rawSegments.length === 0) return { encoded, segments: [''] };
  const segments = rawSegments.map((raw, index) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      throw refuse('holds a percent-escape that is not UTF-8');
    }
    if (FORBIDDEN_DECODED.test(decoded)) throw refuse('holds an encoded "/", "\\" or control character inside a segment');
    if (decoded === '.' || decoded === '..') throw refuse('must not contain "." or ".." segments');
    if (decoded === '' && index !== rawSegments.length - 1) throw refuse('must not contain empty segments ("//")');
    return decoded;
  });
  return { encoded, segments };
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
