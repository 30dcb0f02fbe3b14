/** The names the local runtime gives what the stacks would create (tables, buckets, key aliases). */
export const LOCAL_REGION = 'eu-north-1';
export const registryTableName = 'sild-registry';
export const messageLogTableName = (agency: string) => `sild-${agency}-message-log`;
export const bodyBucketName = (agency: string) => `sild-${agency}-bodies`;
/** The bucket the central publishes the global configuration to (behind the local CDN). */
export const configurationBucketName = 'sild-central-globalconf';
export const signingKeyAlias = (owner: string) => `alias/sild-${owner}`;
