/**
 * `@aws-sdk/client-s3`, loaded on first use. A gateway touches S3 only for bodies above the inline log limit or the
 * transfer threshold, and requiring the package costs 50–70 ms of a cold start (`npm run bench`), so functions that
 * never store a large body never load it. (esbuild keeps `@aws-sdk/*` external: the runtime's copy is required.)
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const s3Sdk = (): typeof import('@aws-sdk/client-s3') => require('@aws-sdk/client-s3');
