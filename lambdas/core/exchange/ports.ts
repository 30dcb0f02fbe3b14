/** The exchange's ports: what the deployment wrote into the gateway's table for the provider side to read, and where opmon records go. */
import type { OpmonRecord } from './opmon';
import type { AccessPolicy } from './settings';

/** What the deployment wrote into a gateway's table: its access policy and its services' OpenAPI descriptions. */
export interface GatewayConfigStore {
  /** The access policy; none written means no rights (deny all). */
  accessPolicy(): Promise<AccessPolicy>;
}

/** Reads a service's OpenAPI description; undefined when it has none. */
export interface ServiceDescriptions {
  get(subsystem: string, serviceCode: string): Promise<unknown | undefined>;
}

/** Where opmon records go (`GatewayDeps.monitor`): in AWS an EMF log line per record, locally a file `sild monitor` reads. */
export interface OperationalMonitor {
  record(record: OpmonRecord): void;
}
