/** The central server's settings: the instance it publishes, and how it generates configurations and accepts joins. */
import * as z from '../kernel/schema';

export const centralSettingsSchema = z.object({
  instance: z.string(),
  memberClasses: z.array(z.string()),
  /** How long a generated configuration stays valid. X-Road's default: 600 s. */
  validitySeconds: z._default(z.int().check(z.positive()), 600),
  /** How long one generated configuration is served before the next is generated. X-Road's default: 60 s. */
  generationSeconds: z._default(z.int().check(z.positive()), 60),
  /** Accept gateway URLs on private, link-local or other non-public addresses (gateways that share a network). */
  allowPrivateProviderUrls: z._default(z.boolean(), false),
  /** Local runtime only: accept `http://` gateway URLs on loopback addresses. */
  insecureLoopbackHttp: z._default(z.boolean(), false),
  /** How long the central signs with the key ring it read last (a central key rotation takes over within it). */
  keyRingRefreshSeconds: z._default(z.int().check(z.positive()), 10),
  /** How far a join's `signedAt` may be from the central clock. */
  joinMaxSkewSeconds: z._default(z.int().check(z.positive()), 300),
});

export type CentralSettings = z.infer<typeof centralSettingsSchema>;
export type CentralSettingsInput = z.input<typeof centralSettingsSchema>;
