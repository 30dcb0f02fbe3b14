/**
 * AWS SDK packages required on first use rather than when the bundle loads (esbuild keeps `@aws-sdk/*` external: the
 * runtime's copy is required, and a `require` inside a function runs when the function does). A package costs its
 * require whether or not the invocation needs it (`npm run bench`, `sdkRequireMs`), so a package only some calls need
 * is loaded by them:
 *
 * - `@aws-sdk/client-s3` (50–70 ms): a gateway touches S3 only for bodies above the inline log limit or the transfer
 *   threshold.
 * - `@aws-sdk/client-kms` (≈ 13 ms of CPU beside the DynamoDB client, with which it shares the SDK core): KMS signs
 *   only when a gateway certifies a session key (once per key, ≤ 1 h) or signs with `signing: kms`, the central when
 *   it generates a configuration, the sealer when it seals. An invocation that reads and writes only DynamoDB (a
 *   health check, a refusal before signing) never loads it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const s3Sdk = (): typeof import('@aws-sdk/client-s3') => require('@aws-sdk/client-s3');

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const kmsSdk = (): typeof import('@aws-sdk/client-kms') => require('@aws-sdk/client-kms');
