/** How a gateway signs its messages. Part of the gateway settings. */
import * as z from '../kernel/schema';

export const signingSettingsSchema = z.object({
  /** `session`: a KMS-certified in-memory key signs manifests; `kms`: KMS signs every manifest. */
  mode: z._default(z.enum(['session', 'kms']), 'session'),
  /** Validity of a session key (and its certificate). */
  sessionValiditySeconds: z._default(z.int().check(z.minimum(60), z.maximum(3600)), 3600),
});

export type SigningSettings = z.infer<typeof signingSettingsSchema>;
