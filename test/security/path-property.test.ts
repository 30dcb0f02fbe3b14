/**
 * 1. (property) For any path string after the service id: either it is refused, or the backend URL stays under
 * the service's base URL and the path the access rights were checked against is the path the backend receives —
 * also as a servlet container routes it (path parameters dropped, dot segments resolved: security round 3, finding 1).
 */
import fc from 'fast-check';
import { XRoadError } from '../../lambdas/core/kernel/errors';
import { backendUrl, canonicalServicePath, routedSegments, type ServicePath } from '../../lambdas/core/exchange/protocols/rest/service-path';

const BASES = ['https://backend.example/records', 'http://10.0.0.1:8080', 'https://backend.example/a/b/'];

/** Characters an attacker reaches for: separators in every spelling, dots, escapes, controls, non-ASCII. */
const piece = fc.oneof(
  fc.constantFrom(
    '/',
    '\\',
    '.',
    '..',
    '%2e',
    '%2E',
    '%2f',
    '%2F',
    '%5c',
    '%5C',
    '%00',
    '%0a',
    '%',
    '%zz',
    '%ff',
    '?',
    '#',
    ';',
    '@',
    ':',
    '~',
    ' ',
    '\t',
    '%20',
    'é',
    '%C3%A9',
    '//',
    'a',
    '123',
  ),
  fc.constantFrom('..;', ';x=1', '%3B', '%3b', '%EF%BC%8E', '．', '%252e', '%252E', '%25', '...', '=', ','),
  fc.string({ maxLength: 4 }),
);

/** The canonical path of the pieces joined, or undefined when it is refused (and then only with an X-Road error). */
function acceptedPath(pieces: readonly string[]): ServicePath | undefined {
  const raw = pieces.join('');
  try {
    return canonicalServicePath(raw === '' ? [] : raw.replace(/^\//, '').split('/'));
  } catch (error) {
    expect(error).toBeInstanceOf(XRoadError);
    return undefined;
  }
}

test('a path is refused, or the backend receives exactly the authorized path, under the base URL', () => {
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), fc.constantFrom(...BASES), (pieces, base) => {
      const path = acceptedPath(pieces);
      if (!path) return;
      const url = new URL(backendUrl(base, path, ''));
      const basePath = new URL(base).pathname.replace(/\/+$/, '');
      expect(url.origin).toBe(new URL(base).origin);
      expect(url.pathname.startsWith(basePath)).toBe(true);
      // What the backend decodes, segment by segment, is what the access rights matched.
      const forwarded = url.pathname.slice(basePath.length);
      const decoded = forwarded === '' ? [''] : forwarded.slice(1).split('/').map(decodeURIComponent);
      expect(decoded).toEqual(path.segments);
    }),
    { numRuns: 5000 },
  );
});

/** What Tomcat or Jetty routes by: each raw segment without its `;` parameters, decoded, dot segments resolved. */
function servletRoute(forwarded: string): string[] {
  const resolved: string[] = [];
  for (const segment of forwarded.slice(1).split('/')) {
    const routed = decodeURIComponent(segment.split(';')[0]);
    if (routed === '..') resolved.pop();
    else if (routed !== '.') resolved.push(routed);
  }
  return resolved;
}

test('a path is refused, or a servlet container routes exactly the segments the access rights matched without parameters', () => {
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
      const path = acceptedPath(pieces);
      if (!path || path.encoded === '') return;
      expect(servletRoute(path.encoded)).toEqual(routedSegments(path).map((segment) => segment.split(';')[0]));
    }),
    { numRuns: 5000 },
  );
});
