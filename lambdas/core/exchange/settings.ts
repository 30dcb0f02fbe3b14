/**
 * What one agency's gateway needs to know at run time. The CDK stack derives it from the ecosystem config and
 * passes it as JSON in the `SILD_GATEWAY_SETTINGS` environment variable — what stays fixed while the gateway runs:
 * its identity, the central, signing, logging and sealing. What the agency changes as it goes — the services it
 * offers and their backends, who may call them, maintenance mode — is its access policy, an item of its table
 * (`accessPolicySchema`), which `cdk diff` shows one line per service and right. The local runtime derives both the
 * same way (`lib/config/runtime-settings.ts`).
 */
import * as z from '../kernel/schema';
import { DEFAULT_MAX_INLINE_BODY_BYTES, messageLogSettingsSchema, sealingSettingsSchema } from '../log/settings';
import { signingSettingsSchema } from '../trust/settings';

export const gatewaySettingsSchema = z.object({
  instance: z.string(),
  /** The gateway's X-Road server id `INST/CLASS/CODE/SERVERCODE`. */
  gatewayId: z.string(),
  /** The owning member `INST/CLASS/CODE`. */
  member: z.string(),
  /** Subsystem codes of the owning member that this gateway serves. */
  subsystems: z.array(z.string()),
  /** Base URL of the central API; the gateway fetches `${centralUrl}/globalconf` when no distribution source answers. */
  centralUrl: z.string(),
  /** Where the central distributes the configuration (its CDN's `…/globalconf/current.json`), tried first, in order. */
  globalConfSources: z._default(z.array(z.string()), []),
  anchor: z.object({ instance: z.string(), publicKey: z.string() }),
  /**
   * The federated instances this gateway takes part in (opt-in, X-Road's): it follows their configurations, anchored
   * by what its own central publishes for them, and exchanges with their members. @default none
   */
  federatedInstances: z._default(z.array(z.string()), []),
  globalConfRefreshSeconds: z._default(z.int().check(z.positive()), 60),
  /** How long the functions sign with the key ring they read last (a key rotation's switch reaches them within it). */
  keyRingRefreshSeconds: z._default(z.int().check(z.positive()), 60),
  /** Accepted difference between a message's timestamp and this gateway's clock. */
  maxClockSkewSeconds: z._default(z.int().check(z.positive()), 60),
  /** Longest session-certificate validity accepted from a peer gateway (bounded trust in its in-memory keys). */
  maxSessionCertificateSeconds: z._default(z.int().check(z.minimum(60), z.maximum(3600)), 3600),
  /**
   * Local runtime only: accept `http://` provider-gateway and central URLs on loopback addresses. Everywhere else
   * a provider gateway must be reached over `https`.
   */
  insecureLoopbackHttp: z._default(z.boolean(), false),
  /**
   * IAM consumer access: the principals (role or user ARNs) that may call the consumer side, each bound to the
   * subsystems it may act as. Unset: the consumer side is reachable only from the agency's network (private API).
   */
  consumerPrincipals: z.optional(z.array(z.object({ arn: z.string(), subsystems: z.array(z.string()) }))),
  /** Largest request or response body the gateway accepts (API Gateway's payload limit is 10 MB). */
  maxBodyBytes: z._default(z.int().check(z.positive()), 6 * 1024 * 1024),
  /** Timeout of the consumer gateway's call to the provider gateway. */
  providerTimeoutMs: z._default(z.int().check(z.positive()), 28_000),
  messageLog: z._default(messageLogSettingsSchema, { mode: 'full', maxInlineBodyBytes: DEFAULT_MAX_INLINE_BODY_BYTES, oversizeBody: 'store' }),
  /**
   * Bodies above this size travel between the gateways through the sending gateway's body store (a short-lived
   * presigned URL, the bytes still bound by the signed hash): an API Gateway → Lambda hop base64-encodes binary bodies
   * within Lambda's 6 MB payload, so about 4.4 MB is the most a gateway could receive inline.
   */
  bodyTransferThresholdBytes: z._default(z.int().check(z.positive()), 1024 * 1024),
  signing: z._default(signingSettingsSchema, { mode: 'session', sessionValiditySeconds: 3600 }),
  sealing: z._default(sealingSettingsSchema, { intervalSeconds: 60, graceSeconds: 30, maxLagSeconds: 600, shards: 4 }),
});

export type GatewaySettings = z.infer<typeof gatewaySettingsSchema>;
export type GatewaySettingsInput = z.input<typeof gatewaySettingsSchema>;

/** A backend call's timeout unless the service sets one: under the provider gateway's own 28 s call and 29 s function. */
export const DEFAULT_BACKEND_TIMEOUT_MS = 25_000;

/** A service this gateway offers, and where its backend is. */
export const offeredServiceSchema = z.object({
  subsystem: z.string(),
  code: z.string(),
  /** Base URL; the service-relative path and query are appended. */
  backendUrl: z.string(),
  /** @default 25000 — under API Gateway's 29 s integration timeout. */
  timeoutMs: z._default(z.int().check(z.positive()), DEFAULT_BACKEND_TIMEOUT_MS),
  /** The protocol its backend speaks. @default 'rest' */
  type: z._default(z.enum(['rest', 'soap']), 'rest'),
  /** SOAP only: the version (X-Road's `serviceVersion`) a request must name. @default - none */
  version: z.optional(z.string()),
});

export type OfferedService = z.infer<typeof offeredServiceSchema>;

/**
 * What the provider side offers and to whom: the services and their backends, the access rights (one rule per
 * method and path), local groups, the services' endpoints, and maintenance mode. They grow with the ecosystem and
 * change while the functions run, so they do not travel in the functions' 4 KB environment: the deployment writes
 * them into the gateway's table (one resource, its `cdk diff` one line per service and right), and the provider
 * side reads them (cached for `ACCESS_POLICY_TTL_MS`, so a change takes effect within a minute of the deploy).
 */
export const accessPolicySchema = z.object({
  /** The services offered. @default none */
  services: z._default(z.array(offeredServiceSchema), []),
  accessRights: z.array(z.object({ subsystem: z.string(), service: z.string(), subject: z.string(), method: z.string(), path: z.string() })),
  localGroups: z._default(z.record(z.string(), z.array(z.string())), {}),
  /** Endpoints of the REST services registered with an OpenAPI description, by `SUBSYSTEM/CODE` (listMethods, allowedMethods). */
  endpoints: z._default(z.record(z.string(), z.array(z.object({ method: z.string(), path: z.string() }))), {}),
  /**
   * Maintenance mode (X-Road's): the provider side takes no requests from other gateways and answers
   * `Server.ServerProxy.Maintenance` (503) with this message. @default - not in maintenance
   */
  maintenance: z.optional(z.object({ message: z.string().check(z.maxLength(500)) })),
});

export type AccessPolicy = z.infer<typeof accessPolicySchema>;
export type AccessPolicyInput = z.input<typeof accessPolicySchema>;

/** Parses settings, naming the field and reason on failure. */
export function parseGatewaySettings(value: unknown): GatewaySettings {
  const parsed = gatewaySettingsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid gateway settings at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
