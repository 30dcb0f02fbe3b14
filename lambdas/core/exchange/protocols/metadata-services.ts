/**
 * The metadata services each message protocol answers itself (PR-MREST for REST, PR-META for SOAP): their codes are
 * reserved — the central refuses them at join, synth refuses them in a config. They are listed here, apart from the
 * protocols, so that the central and the config reader know them without loading a protocol (the central's bundle
 * carries no XML parser). A protocol's `metadataServices` is its set from here; the registry's test holds the two equal.
 */
export const REST_METADATA_SERVICES: ReadonlySet<string> = new Set(['listMethods', 'allowedMethods', 'getOpenAPI']);
export const SOAP_METADATA_SERVICES: ReadonlySet<string> = new Set(['listMethods', 'allowedMethods', 'getWsdl']);

/** Service codes no service may be registered under: every protocol's metadata services. */
export const RESERVED_SERVICE_CODES: ReadonlySet<string> = new Set([...REST_METADATA_SERVICES, ...SOAP_METADATA_SERVICES]);
