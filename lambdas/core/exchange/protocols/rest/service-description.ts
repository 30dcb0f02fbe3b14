/**
 * REST service descriptions (OpenAPI 3), as X-Road's REST metadata protocol (PR-MREST) uses them: a service may be
 * registered with a description; its endpoints — one per operation, path parameters as `*` — are what `listMethods`
 * lists, what `allowedMethods` filters by the caller's access rights, and what access rights must fit (a right
 * naming a method and path no endpoint has is a config error).
 *
 * A description documents the backend, so its paths are the backend's; an endpoint's path is the service path a
 * client sends after the service code, which is the backend path without the service's `backendUrl` path
 * (`backendUrl` `…/persons`, described `GET /persons/{id}` → endpoint `GET /*`, called as `…/persons/123`).
 */
import { globMatches } from '../../access-rights';

/** One endpoint: an HTTP method and a path glob (`*` for a path parameter). */
export interface Endpoint {
  readonly method: string;
  readonly path: string;
}

const OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The endpoints of an OpenAPI 3 document, in document order, as service paths under `backendPath`. */
export function endpointsOf(document: unknown, backendPath = ''): Endpoint[] {
  const paths = (document as { paths?: Record<string, Record<string, unknown>> })?.paths ?? {};
  const base = backendPath.replace(/\/+$/, '');
  const endpoints: Endpoint[] = [];
  for (const [path, item] of Object.entries(paths)) {
    const relative = base && (path === base || path.startsWith(`${base}/`)) ? path.slice(base.length) || '/' : path;
    const glob = relative.replace(/\{[^}/]+\}/g, '*');
    for (const operation of OPERATIONS)
      if (item && typeof item === 'object' && operation in item) endpoints.push({ method: operation.toUpperCase(), path: glob });
  }
  return endpoints;
}

/** Segments of a path glob read as a literal path (each `*` stands for some value of that segment). */
const sampleSegments = (glob: string) => (glob === '/' ? [''] : glob.slice(1).split('/'));

/**
 * True when an access rule (method, path glob) grants some of an endpoint: the methods agree (`*` is any), and the
 * rule's glob covers the endpoint's path or the endpoint's glob covers the rule's path.
 */
export function ruleCoversEndpoint(rule: Endpoint, endpoint: Endpoint): boolean {
  if (rule.method !== '*' && rule.method.toUpperCase() !== endpoint.method) return false;
  return rule.path === '**' || globMatches(rule.path, sampleSegments(endpoint.path)) || globMatches(endpoint.path, sampleSegments(rule.path));
}

/** A catch-all rule (any method, any path): X-Road's service-level right, not an endpoint. */
export const isCatchAll = (rule: Endpoint) => rule.method === '*' && rule.path === '**';
