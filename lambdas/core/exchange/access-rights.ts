/**
 * Access rights, enforced by the provider gateway: deny by default. A rule lets a subject call a service, for a
 * method (`*` = any) and a path glob matched segment by segment against the decoded service path:
 * `*` within a segment matches any characters of that segment, a `**` segment matches any number of segments
 * (none included: `/persons/**` covers `/persons`), `**` alone matches every path.
 *
 * Subjects, as written in the config:
 * - `INST/CLASS/CODE/SUB` — one subsystem;
 * - `globalgroup:INST/CODE` — every member of a global group published in the global configuration;
 * - `localgroup:CODE` — every member of a group the provider's own agency defines.
 *
 * Evaluation is linear: the subject and the service are checked before any path work, and a glob is matched
 * without backtracking (one pass over the path's segments per rule, with the set of glob positions reachable so
 * far), on a path whose length and segment count `service-path.ts` has bounded.
 */
import type { ServiceId } from '../kernel/identifiers';

export interface AccessRule {
  /** The subsystem's service code the rule grants, e.g. `persons`, within the provider subsystem `subsystem`. */
  readonly subsystem: string;
  readonly service: string;
  readonly subject: string;
  /** HTTP method or `*`. */
  readonly method: string;
  /** Path glob matched against the service-relative path (`/123`; `/` when empty). */
  readonly path: string;
}

export interface AccessContext {
  readonly rules: readonly AccessRule[];
  /** Local group code → member subsystem ids. */
  readonly localGroups: Readonly<Record<string, readonly string[]>>;
  /** Global groups (`INST/CODE`) the caller belongs to, from the global configuration. */
  readonly callerGlobalGroups: readonly string[];
}

export interface AccessQuery {
  readonly caller: string;
  readonly service: ServiceId;
  readonly method: string;
  /** The service path's decoded segments (`['']` for `/` or an empty path). */
  readonly segments: readonly string[];
}

const GLOBAL_GROUP = 'globalgroup:';
const LOCAL_GROUP = 'localgroup:';
const ANY_SEGMENTS = '**';

/** Why a glob is not a valid path rule, or undefined when it is (the config refuses invalid ones at synth). */
export function invalidGlobReason(glob: string): string | undefined {
  if (glob === ANY_SEGMENTS) return undefined;
  if (!glob.startsWith('/')) return 'must start with "/" or be "**"';
  if (
    glob
      .slice(1)
      .split('/')
      .some((segment) => segment.includes(ANY_SEGMENTS) && segment !== ANY_SEGMENTS)
  ) {
    return '"**" must be a whole segment';
  }
  return undefined;
}

/** A glob split into segments once; `undefined` for an invalid glob, which matches nothing. */
const compiled = new Map<string, readonly string[] | undefined>();
const MAX_COMPILED = 4096;

function globSegments(glob: string): readonly string[] | undefined {
  if (compiled.has(glob)) return compiled.get(glob);
  const segments = invalidGlobReason(glob) !== undefined ? undefined : glob === ANY_SEGMENTS ? [ANY_SEGMENTS] : glob.slice(1).split('/');
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(glob, segments);
  return segments;
}

/**
 * `*` wildcards within one segment: the classic two-pointer match, which only ever resumes from the latest `*`,
 * so it takes at most |pattern| × |text| steps (a segment is bounded by the path limit).
 */
export function segmentMatches(pattern: string, text: string): boolean {
  if (!pattern.includes('*')) return pattern === text;
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p += 1;
      t += 1;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

/** True when the glob matches the decoded path segments. */
export function globMatches(glob: string, segments: readonly string[]): boolean {
  const pattern = globSegments(glob);
  if (!pattern) return false;
  // positions[i]: glob position i is reachable after the segments consumed so far; a `**` also reaches i + 1.
  let positions = closure(pattern, new Set([0]));
  for (const segment of segments) {
    const next = new Set<number>();
    for (const position of positions) {
      if (position === pattern.length) continue;
      if (pattern[position] === ANY_SEGMENTS) next.add(position);
      else if (segmentMatches(pattern[position], segment)) next.add(position + 1);
    }
    if (next.size === 0) return false;
    positions = closure(pattern, next);
  }
  return positions.has(pattern.length);
}

function closure(pattern: readonly string[], positions: Set<number>): Set<number> {
  for (let position = 0; position < pattern.length; position += 1) {
    if (positions.has(position) && pattern[position] === ANY_SEGMENTS) positions.add(position + 1);
  }
  return positions;
}

/** True when the rule's subject covers the caller (directly or through a group). */
export function subjectMatches(subject: string, caller: string, context: Omit<AccessContext, 'rules'>): boolean {
  if (subject.startsWith(GLOBAL_GROUP)) return context.callerGlobalGroups.includes(subject.slice(GLOBAL_GROUP.length));
  if (subject.startsWith(LOCAL_GROUP)) {
    const code = subject.slice(LOCAL_GROUP.length);
    // Own properties only: a group named like an Object.prototype member must not resolve to one.
    return Object.hasOwn(context.localGroups, code) && context.localGroups[code].includes(caller);
  }
  return subject === caller;
}

/** True when some rule grants the call; no rule means no access. Cheap checks first, the path last. */
export function isAllowed(query: AccessQuery, context: AccessContext): boolean {
  return context.rules.some(
    (rule) =>
      rule.subsystem === query.service.subsystemCode &&
      rule.service === query.service.serviceCode &&
      subjectMatches(rule.subject, query.caller, context) &&
      (rule.method === '*' || rule.method.toUpperCase() === query.method) &&
      globMatches(rule.path, query.segments),
  );
}
