/** The central server's settings: the instance it publishes, and how it generates configurations and accepts joins. */
import * as z from 'zod';

export const centralSettingsSchema = z.object({
  instance: z.string(),
  memberClasses: z.array(z.string()),
  /** How long a generated configuration stays valid. X-Road's default: 600 s. */
  validitySeconds: z.number().int().positive().default(600),
  /** How long one generated configuration is served before the next is generated. X-Road's default: 60 s. */
  generationSeconds: z.number().int().positive().default(60),
  /** Accept gateway URLs on private, link-local or other non-public addresses (gateways that share a network). */
  allowPrivateProviderUrls: z.boolean().default(false),
  /** Local runtime only: accept `http://` gateway URLs on loopback addresses. */
  insecureLoopbackHttp: z.boolean().default(false),
  /** How long the central signs with the key ring it read last (a central key rotation takes over within it). */
  keyRingRefreshSeconds: z.number().int().positive().default(10),
  /** How far a join's `signedAt` may be from the central clock. */
  joinMaxSkewSeconds: z.number().int().positive().default(300),
});

export type CentralSettings = z.infer<typeof centralSettingsSchema>;
export type CentralSettingsInput = z.input<typeof centralSettingsSchema>;
