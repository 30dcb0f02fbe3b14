/** How a gateway signs its messages. Part of the gateway settings. */
import * as z from 'zod';

export const signingSettingsSchema = z.object({
  /** `session`: a KMS-certified in-memory key signs manifests; `kms`: KMS signs every manifest. */
  mode: z.enum(['session', 'kms']).default('session'),
  /** Validity of a session key (and its certificate). */
  sessionValiditySeconds: z.number().int().min(60).max(3600).default(3600),
});

export type SigningSettings = z.infer<typeof signingSettingsSchema>;
