import {
  globMatches,
  invalidGlobReason,
  isAllowed,
  segmentMatches,
  type AccessContext,
  type AccessQuery,
  type AccessRule,
} from '../../../../lambdas/core/exchange/access-rights';
import { parseServiceId } from '../../../../lambdas/core/kernel/identifiers';
import { canonicalServicePath } from '../../../../lambdas/core/exchange/protocols/rest/service-path';

const TAX = 'DEV/GOV/70000002/tax-records';
const CRM = 'DEV/COM/10000003/crm';
const PERSONS = parseServiceId('DEV/GOV/70000001/population/persons');

function rule(overrides: Partial<AccessRule> = {}): AccessRule {
  return { subsystem: 'population', service: 'persons', subject: TAX, method: '*', path: '**', ...overrides };
}

/** Decoded segments of a raw service path, as the gateway derives them. */
const segmentsOf = (path: string) => canonicalServicePath(path === '' ? [] : path.slice(1).split('/')).segments;

function query(overrides: Partial<Omit<AccessQuery, 'segments'>> & { path?: string } = {}): AccessQuery {
  const { path = '/123', ...rest } = overrides;
  return { caller: TAX, service: PERSONS, method: 'GET', segments: segmentsOf(path), ...rest };
}

function context(rules: AccessRule[], extra: Partial<AccessContext> = {}): AccessContext {
  return { rules, localGroups: {}, callerGlobalGroups: [], ...extra };
}

describe('isAllowed', () => {
  test('denies by default: no rules, no access', () => {
    expect(isAllowed(query(), context([]))).toBe(false);
  });

  test('a subsystem subject allows exactly that subsystem', () => {
    const rules = [rule()];
    expect(isAllowed(query(), context(rules))).toBe(true);
    expect(isAllowed(query({ caller: CRM }), context(rules))).toBe(false);
    expect(isAllowed(query({ caller: 'DEV/GOV/70000002' }), context(rules))).toBe(false);
    expect(isAllowed(query({ caller: 'DEV/GOV/70000002/tax-records-2' }), context(rules))).toBe(false);
  });

  test('globalgroup: subjects match when the caller is in the group', () => {
    const rules = [rule({ subject: 'globalgroup:DEV/security-server-owners' })];
    expect(isAllowed(query(), context(rules, { callerGlobalGroups: ['DEV/security-server-owners'] }))).toBe(true);
    expect(isAllowed(query(), context(rules, { callerGlobalGroups: ['DEV/other'] }))).toBe(false);
    expect(isAllowed(query(), context(rules))).toBe(false);
    // The group id includes the instance.
    expect(isAllowed(query(), context(rules, { callerGlobalGroups: ['EE/security-server-owners'] }))).toBe(false);
  });

  test('localgroup: subjects match members of the local group', () => {
    const rules = [rule({ subject: 'localgroup:tax-partners' })];
    expect(isAllowed(query(), context(rules, { localGroups: { 'tax-partners': [CRM, TAX] } }))).toBe(true);
    expect(isAllowed(query(), context(rules, { localGroups: { 'tax-partners': [CRM] } }))).toBe(false);
    expect(isAllowed(query(), context(rules, { localGroups: { others: [TAX] } }))).toBe(false);
    expect(isAllowed(query(), context(rules))).toBe(false);
  });

  test('a local group and a global group with the same code are different subjects', () => {
    expect(isAllowed(query(), context([rule({ subject: 'localgroup:g' })], { callerGlobalGroups: ['g'] }))).toBe(false);
    expect(isAllowed(query(), context([rule({ subject: 'globalgroup:DEV/g' })], { localGroups: { 'DEV/g': [TAX] } }))).toBe(false);
  });

  // A rule naming a local group the config does not define must simply not match. Group names that happen to be
  // Object.prototype properties make the lookup return a function instead of undefined, and `.includes` throws.
  test('a rule naming an undefined local group called "constructor" denies instead of throwing', () => {
    expect(isAllowed(query(), context([rule({ subject: 'localgroup:constructor' })]))).toBe(false);
  });

  test('method "*" allows any method; a specific method only that one (case-insensitive in the rule)', () => {
    expect(isAllowed(query({ method: 'DELETE' }), context([rule({ method: '*' })]))).toBe(true);
    const getOnly = [rule({ method: 'GET' })];
    expect(isAllowed(query({ method: 'GET' }), context(getOnly))).toBe(true);
    expect(isAllowed(query({ method: 'POST' }), context(getOnly))).toBe(false);
    expect(isAllowed(query({ method: 'GET' }), context([rule({ method: 'get' })]))).toBe(true);
  });

  test('"*" matches within one path segment only', () => {
    const rules = [rule({ path: '/persons/*' })];
    expect(isAllowed(query({ path: '/persons/123' }), context(rules))).toBe(true);
    expect(isAllowed(query({ path: '/persons/' }), context(rules))).toBe(true);
    expect(isAllowed(query({ path: '/persons/123/address' }), context(rules))).toBe(false);
    expect(isAllowed(query({ path: '/persons' }), context(rules))).toBe(false);
    expect(isAllowed(query({ path: '/other/123' }), context(rules))).toBe(false);
  });

  test('"**" matches across segments, none included', () => {
    const rules = [rule({ path: '/persons/**' })];
    expect(isAllowed(query({ path: '/persons' }), context(rules))).toBe(true);
    expect(isAllowed(query({ path: '/persons/123' }), context(rules))).toBe(true);
    expect(isAllowed(query({ path: '/persons/123/address/1' }), context(rules))).toBe(true);
    expect(isAllowed(query({ path: '/other/123' }), context(rules))).toBe(false);
    expect(isAllowed(query({ path: '/anything/at/all' }), context([rule({ path: '**' })]))).toBe(true);
  });

  test('an exact path matches only itself; the match is anchored', () => {
    const rules = [rule({ path: '/persons' })];
    expect(isAllowed(query({ path: '/persons' }), context(rules))).toBe(true);
    expect(isAllowed(query({ path: '/persons/1' }), context(rules))).toBe(false);
    expect(isAllowed(query({ path: '/x/persons' }), context(rules))).toBe(false);
    expect(isAllowed(query({ path: '/personsX' }), context(rules))).toBe(false);
  });

  test('regular-expression characters in a rule path are literal', () => {
    const rules = [rule({ path: '/a.b/(c)+' })];
    expect(isAllowed(query({ path: '/a.b/(c)+' }), context(rules))).toBe(true);
    expect(isAllowed(query({ path: '/aXb/(c)+' }), context(rules))).toBe(false);
    expect(isAllowed(query({ path: '/a.b/cc' }), context(rules))).toBe(false);
  });

  test('rules match decoded segments: another spelling of the same path is the same path', () => {
    expect(isAllowed(query({ path: '/persons/%31%32%33' }), context([rule({ path: '/persons/123' })]))).toBe(true);
    expect(isAllowed(query({ path: '/persons/a%20b' }), context([rule({ path: '/persons/a b' })]))).toBe(true);
  });

  test('an empty service path is treated as "/"', () => {
    expect(isAllowed(query({ path: '' }), context([rule({ path: '/' })]))).toBe(true);
    expect(isAllowed(query({ path: '' }), context([rule({ path: '/*' })]))).toBe(true);
    expect(isAllowed(query({ path: '' }), context([rule({ path: '' })]))).toBe(false);
    expect(isAllowed(query({ path: '/123' }), context([rule({ path: '/' })]))).toBe(false);
  });

  test('a rule for another service or another subsystem does not apply', () => {
    expect(isAllowed(query(), context([rule({ service: 'addresses' })]))).toBe(false);
    expect(isAllowed(query(), context([rule({ subsystem: 'other-subsystem' })]))).toBe(false);
    // Same service code offered by another subsystem of the member.
    expect(isAllowed(query({ service: parseServiceId('DEV/GOV/70000001/archive/persons') }), context([rule()]))).toBe(false);
  });

  test('all conditions of one rule must hold; any one matching rule grants', () => {
    const rules = [rule({ method: 'GET', path: '/public/**' }), rule({ method: 'POST', path: '/persons' })];
    expect(isAllowed(query({ method: 'GET', path: '/public/x' }), context(rules))).toBe(true);
    expect(isAllowed(query({ method: 'POST', path: '/persons' }), context(rules))).toBe(true);
    expect(isAllowed(query({ method: 'POST', path: '/public/x' }), context(rules))).toBe(false);
    expect(isAllowed(query({ method: 'GET', path: '/persons' }), context(rules))).toBe(false);
  });
});

describe('globMatches', () => {
  test.each<[string, string, boolean]>([
    ['/a/*', '/a/b', true],
    ['/a/*', '/a/b/c', false],
    ['/a/**', '/a/b/c', true],
    ['/a/**', '/a', true],
    ['/a/*/c', '/a/b/c', true],
    ['/a/*/c', '/a/b/x/c', false],
    ['/a/**/c', '/a/b/x/c', true],
    ['/a/**/c', '/a/c', true],
    ['/a/**/c', '/a/b/x/d', false],
    ['/**/c', '/x/y/c', true],
    ['/a/x*', '/a/xyz', true],
    ['/a/x*', '/a/yx', false],
    ['/a/*x*y', '/a/1x2x3y', true],
    ['/a/*x*y', '/a/1x2x3', false],
    ['/a?b', '/a%3Fb', true],
    ['/a?b', '/aXb', false],
    ['**', '/anything/at/all', true],
  ])('%s ~ %s → %s', (glob, path, expected) => {
    expect(globMatches(glob, segmentsOf(path))).toBe(expected);
  });

  test('an invalid glob matches nothing', () => {
    expect(invalidGlobReason('persons/*')).toBeDefined();
    expect(invalidGlobReason('/a**b')).toBeDefined();
    expect(globMatches('persons/*', segmentsOf('/persons/1'))).toBe(false);
    expect(globMatches('/a**b', segmentsOf('/aXb'))).toBe(false);
  });

  // A backtracking matcher (a regular expression with several `.*`) takes seconds on this; the segment matcher
  // visits each (glob position, segment) pair once.
  test('adversarial globs and paths are decided without backtracking blow-up', () => {
    const path = segmentsOf(`/${Array.from({ length: 80 }, () => 'a'.repeat(24)).join('/')}`);
    expect(globMatches('/**/a*a*a*a*a*a*b/**/**/**/**/c', path)).toBe(false);
    expect(segmentMatches('*a*a*a*a*a*a*a*a*b', 'a'.repeat(4000))).toBe(false);
  });
});
