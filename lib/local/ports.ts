/**
 * Where the local ecosystem's servers listen: the config's `local` ports — the central API on `basePort`, then each
 * agency's consumer and provider side in config order, then the CDN — or, for tests that run side by side, any free
 * port the system picks (0).
 */
import type { EcosystemConfig } from '../config/ecosystem-config';

export interface LocalPorts {
  readonly central: number;
  readonly consumer: (agencyIndex: number) => number;
  readonly provider: (agencyIndex: number) => number;
  /** The CDN in front of the configuration bucket: the port after the last agency's. */
  readonly cdn: number;
  readonly sampleBackend: number;
}

export function localPorts(config: Pick<EcosystemConfig, 'local' | 'agencies'>, ephemeral = false): LocalPorts {
  const port = (configured: number) => (ephemeral ? 0 : configured);
  const { basePort, sampleBackendPort } = config.local;
  return {
    central: port(basePort),
    consumer: (agencyIndex) => port(basePort + 1 + 2 * agencyIndex),
    provider: (agencyIndex) => port(basePort + 2 + 2 * agencyIndex),
    cdn: port(basePort + 1 + 2 * config.agencies.length),
    sampleBackend: port(sampleBackendPort),
  };
}
