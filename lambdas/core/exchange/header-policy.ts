/**
 * Which HTTP headers cross the layer, whatever protocol the message is in: hop-by-hop and behaviour-changing headers
 * never do, nor the layer's own X-Road headers as a client or backend sent them.
 */
import { peerKeyed, type Headers } from '../kernel/http';

/**
 * Headers that never cross the layer: hop-by-hop headers (RFC 9110 §7.6.1 and PR-REST §4.3's list), the ones X-Road
 * strips because they name the origin host (`Host`, `User-Agent`, `Server`), framing the HTTP client sets itself
 * (`Content-Length`, `Expect`), and the AWS front's own.
 */
const STRIPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'user-agent',
  'server',
  'content-length',
  'via',
  'expect',
  'date',
]);
const STRIPPED_PREFIXES = ['x-sild-', 'x-amz-', 'x-amzn-', 'cloudfront-'];

/**
 * The X-Road headers the layer itself sets (PR-REST §4.3): the gateways re-derive the request ones from what they
 * verified and set the response ones; a client's or backend's own values never pass. Every other `X-Road-*`
 * header is an extension header and passes like any user header.
 */
const LAYER_OWNED = new Set<string>([
  'x-road-client',
  'x-road-id',
  'x-road-userid',
  'x-road-issue',
  'x-road-represented-party',
  'x-road-service',
  'x-road-request-id',
  'x-road-request-hash',
  'x-road-error',
]);

/**
 * Headers that make a backend (or a proxy or framework in front of it) act on something other than the signed
 * request: another method, another path, another client address or host. A client must not be able to smuggle
 * them past the access check; both sides drop them, the provider again for whatever the consumer listed. The
 * client-address names are those address libraries and CDNs read (npm `request-ip`, Cloudflare, Fastly, Akamai,
 * App Engine, DigitalOcean, Azure, Fly, Netlify).
 */
const BEHAVIOUR_CHANGING = new Set([
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-original-method',
  'x-original-url',
  'x-rewrite-url',
  'x-original-uri',
  'x-override-url',
  'forwarded',
  'forwarded-for',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'x-cluster-client-ip',
  'client-ip',
  'x-originating-ip',
  'x-remote-ip',
  'x-remote-addr',
  'x-proxyuser-ip',
  'cf-connecting-ip',
  'cf-connecting-ipv6',
  'cf-pseudo-ipv4',
  'cf-pseudo-ipv6',
  'fastly-client-ip',
  'akamai-client-ip',
  'do-connecting-ip',
  'x-appengine-user-ip',
  'x-azure-clientip',
  'x-azure-socketip',
  'fly-client-ip',
  'x-nf-client-connection-ip',
  'x-host',
  'x-original-host',
  'x-middleware-subrequest',
]);
/** `x-forwarded` also names the bare `X-Forwarded` (request-ip reads it) and `X-Forwarded-For`'s relatives. */
const BEHAVIOUR_CHANGING_PREFIXES = ['x-forwarded', 'x-original-forwarded', 'x-envoy-'];

/**
 * A header name as the server behind a backend may read it: CGI, WSGI, Rack and PHP map `X_Road_Client` and
 * `X-Road-Client` alike to `HTTP_X_ROAD_CLIENT` (CVE-2024-45614 is this for `X-Forwarded-For`), so every check on a
 * name applies to it with `_` read as `-`.
 */
const asServerReadsIt = (name: string) => name.toLowerCase().replace(/_/g, '-');

/** True for a header the layer never passes to a backend or a client (hop-by-hop or behaviour-changing). */
export function isUnsafeHeader(name: string): boolean {
  const read = asServerReadsIt(name);
  return STRIPPED.has(read) || BEHAVIOUR_CHANGING.has(read) || BEHAVIOUR_CHANGING_PREFIXES.some((prefix) => read.startsWith(prefix));
}

/** Drops hop-by-hop and behaviour-changing headers; what the provider sends its backend. */
export function withoutUnsafeHeaders(headers: Headers): Record<string, readonly string[]> {
  const kept = peerKeyed<readonly string[]>();
  for (const [name, values] of Object.entries(headers)) if (!isUnsafeHeader(name)) kept[name] = values;
  return kept;
}

/** The user headers (with `X-Road-*` extension headers, `Content-Type` and `Accept`) that pass through unchanged. */
export function passThroughHeaders(headers: Headers): Record<string, readonly string[]> {
  const kept = peerKeyed<readonly string[]>();
  for (const [name, values] of Object.entries(withoutUnsafeHeaders(headers))) {
    const read = asServerReadsIt(name);
    if (LAYER_OWNED.has(read) || STRIPPED_PREFIXES.some((prefix) => read.startsWith(prefix))) continue;
    // A SigV4 signature was meant for the gateway's own IAM-authorized API, not for the backend.
    if (read === 'authorization' && values.some((value) => value.startsWith('AWS4-HMAC-SHA256'))) continue;
    kept[name] = values;
  }
  return kept;
}
