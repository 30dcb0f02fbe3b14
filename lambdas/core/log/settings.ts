/** The message log's settings: what the log keeps of each body, and how records are sealed. Part of the gateway settings. */
import * as z from '../kernel/schema';

/**
 * Bodies up to this size are logged inline, larger ones in the body store — chosen by cost (ADR 0009): inline, a
 * body costs a DynamoDB write unit per KB plus storage and PITR (≈ $1.08 per KB per million records for 30 days); in
 * S3 a flat $5 per million PUTs plus $0.023 per GB-month. They break even near 5 KB; from 8 KiB S3 is ≥ 1.5× cheaper,
 * and below it the one in-line write stays faster than an extra S3 PUT.
 */
export const DEFAULT_MAX_INLINE_BODY_BYTES = 8 * 1024;

export const messageLogSettingsSchema = z.object({
  /** `full` logs bodies (inline up to `maxInlineBodyBytes`); `metadata` logs their hashes only. */
  mode: z._default(z.enum(['full', 'metadata']), 'full'),
  /** Largest body stored inline in a log record; DynamoDB items are limited to 400 KB. */
  maxInlineBodyBytes: z._default(z.int().check(z.minimum(0), z.maximum(300 * 1024)), DEFAULT_MAX_INLINE_BODY_BYTES),
  /**
   * A body above `maxInlineBodyBytes` in `full` mode: kept in the gateway's body store (S3, same retention as the
   * log), refused, or logged by its hash only.
   */
  oversizeBody: z._default(z.enum(['store', 'reject', 'hash-only']), 'store'),
});

export type MessageLogSettings = z.infer<typeof messageLogSettingsSchema>;

export const sealingSettingsSchema = z.object({
  /** Seal window length; the sealer runs once per interval. X-Road timestamps every 60 s. */
  intervalSeconds: z._default(z.int().check(z.minimum(1), z.maximum(3600)), 60),
  /** How long after a window closes it is sealed, so writes that were retried still land in it. */
  graceSeconds: z._default(z.int().check(z.minimum(0), z.maximum(600)), 30),
  /** Fail closed: refuse messages when the newest seal ends longer ago than this. */
  maxLagSeconds: z._default(z.int().check(z.minimum(60)), 600),
  /** Index partitions per window, to spread the sealing index's write load. */
  shards: z._default(z.int().check(z.minimum(1), z.maximum(64)), 4),
});

export type SealingSettings = z.infer<typeof sealingSettingsSchema>;
