import { canonicalServicePath, routedSegments } from '../../../../../../lambdas/core/exchange/protocols/rest/service-path';
import { expectXRoadError } from '../../../../../support/assertions';

const segmentsOf = (path: string) => path.replace(/^\//, '').split('/');

describe('canonicalServicePath: normalisation differentials of common backends', () => {
  test.each([
    ['..;', '/a/..;/b'],
    ['..;jsessionid', '/a/..;jsessionid=1/b'],
    ['%2e%2e;', '/a/%2e%2e;/b'],
    ['.;x', '/a/.;x/b'],
    ['..%3B', '/a/..%3B/b'],
    ['an encoded ; anywhere', '/a/x%3by'],
    ['full-width dots', '/a/%EF%BC%8E%EF%BC%8E/b'],
    ['one-dot leader ×2', '/a/%E2%80%A4%E2%80%A4/b'],
    ['three dots', '/a/.../b'],
    ['dots and a space', '/a/..%20/b'],
    ['a space and dots', '/a/%20../b'],
    ['full-width solidus', '/a/x%EF%BC%8Fy'],
    ['full-width reverse solidus', '/a/x%EF%BC%BCy'],
    ['double-encoded dot', '/a/%252e%252e/b'],
    ['double-encoded slash', '/a/x%252Fy'],
    ['double-encoded semicolon', '/a/x%253By'],
    ['double-encoded %u dots (IIS, .NET UrlDecode, unescape)', '/a/%25u002e%25u002e/b'],
    ['double-encoded %u slash', '/a/x%25u002fy'],
    ['double-encoded %u full-width dot', '/a/%25uFF0E%25uff0e/b'],
    ['double-encoded overlong dots', '/a/%25C0%25AE%25C0%25AE/b'],
    ['double-encoded full-width dots', '/a/%25EF%25BC%258E%25EF%25BC%258E/b'],
    ['an encoded ; inside parameters', '/a/x;y%3Bz'],
    ['a segment of parameters only', '/a/;x/b'],
    ['a last segment of parameters only', '/a/;jsessionid=1'],
  ])('%s → Client.BadRequest', (_what, path) => {
    expectXRoadError(() => canonicalServicePath(segmentsOf(path)), 'Client.BadRequest', 400);
  });

  test.each([
    ['matrix parameters', '/items;color=red/x', ['items;color=red', 'x'], ['items', 'x']],
    ['a session id after a name', '/page.html;jsessionid=1', ['page.html;jsessionid=1'], ['page.html']],
    ['dots inside a name', '/v1.2/a..b', ['v1.2', 'a..b'], ['v1.2', 'a..b']],
    ['a literal percent sign', '/50%25', ['50%'], ['50%']],
    ['a literal percent sign before letters that are no escape', '/50%25off/%25user', ['50%off', '%user'], ['50%off', '%user']],
    ['a trailing slash', '/a/', ['a', ''], ['a', '']],
  ])('%s passes: segments as sent and as routed', (_what, path, segments, routed) => {
    const canonical = canonicalServicePath(segmentsOf(path));
    expect({ encoded: canonical.encoded, segments: canonical.segments, routed: routedSegments(canonical) }).toEqual({
      encoded: path,
      segments,
      routed,
    });
  });
});
