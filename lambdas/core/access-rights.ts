/**
 * Access rights, enforced by the provider gateway: deny by default. A rule lets a subject call a service, for a
 * method (`*` = any) and a path glob (`*` = any characters within one segment, `**` = anything, across segments).
 *
 * Subjects, as written in the config:
 * - `INST/CLASS/CODE/SUB` — one subsystem;
 * - `globalgroup:INST/CODE` — every member of a global group published in the global configuration;
 * - `localgroup:CODE` — every member of a group the provider's own agency defines.
 */
import type { ServiceId } from './identifiers';

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
  /** Service-relative path, percent-encoded as received. */
  readonly path: string;
}

const GLOBAL_GROUP = 'globalgroup:';
const LOCAL_GROUP = 'localgroup:';

/** Compiled globs, since the same few rules are matched on every message. */
const globCache = new Map<string, RegExp>();

/** Converts a path glob to an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let regex = globCache.get(glob);
  if (!regex) {
    const source = glob
      .split('**')
      .map((part) => part.split('*').map(escapeRegExp).join('[^/]*'))
      .join('.*');
    regex = new RegExp(`^${source}$`);
    globCache.set(glob, regex);
  }
  return regex;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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

/** True when some rule grants the call; no rule means no access. */
export function isAllowed(query: AccessQuery, context: AccessContext): boolean {
  const path = query.path === '' ? '/' : query.path;
  return context.rules.some(
    (rule) =>
      rule.subsystem === query.service.subsystemCode &&
      rule.service === query.service.serviceCode &&
      (rule.method === '*' || rule.method.toUpperCase() === query.method) &&
      globToRegExp(rule.path).test(path) &&
      subjectMatches(rule.subject, query.caller, context),
  );
}
