/** The exchange's ports: what the deployment wrote into the gateway's table for the provider side to read, and where opmon records go. */
import type { OpmonRecord } from './opmon';
import type { AccessPolicy } from './settings';

/** What the deployment wrote into a gateway's table: its access policy and its services' descriptions (OpenAPI, WSDL). */
export interface GatewayConfigStore {
  /** The access policy; none written means no rights (deny all). */
  accessPolicy(): Promise<AccessPolicy>;
}

/** Reads a service's description as the deployment wrote it: a REST service's OpenAPI document, a SOAP service's WSDL. */
export interface ServiceDescriptions {
  /** The OpenAPI description; undefined when the service has none. */
  get(subsystem: string, serviceCode: string): Promise<unknown | undefined>;
  /** The WSDL, as the text the deployment read; undefined when the service has none (it is not a SOAP service). */
  wsdl(subsystem: string, serviceCode: string): Promise<string | undefined>;
}

/** Where opmon records go (`GatewayDeps.monitor`): in AWS an EMF log line per record, locally a file `sild monitor` reads. */
export interface OperationalMonitor {
  record(record: OpmonRecord): void;
}
