/** The central's ports — its registry and where it distributes configurations — and what its use cases depend on. */
import type { CentralSettings } from './settings';
import type { CentralKeyRotation } from '../trust/central-keys';
import type { FederatedInstance, SignedGlobalConfiguration } from '../trust/global-configuration';
import type { Clock, KeyRing } from '../kernel/ports';
import type { AllowedAgency, GlobalGroup, RegistryEntry } from './registry';

/** The central registry (DynamoDB in AWS and locally). */
export interface Registry {
  put(entry: RegistryEntry): Promise<void>;
  list(): Promise<RegistryEntry[]>;
  /** Removes an agency's entry (the central operator revokes it); false when there was none. */
  remove(agency: string): Promise<boolean>;
  /** The next global configuration version: one more than the last handed out, never reused. */
  nextConfigurationVersion(): Promise<number>;
  /** The central key rotations so far, oldest first (published in every configuration). */
  centralKeyRotations(): Promise<CentralKeyRotation[]>;
  /** Appends a rotation unless the chain has grown past `count` meanwhile (another publisher recorded it); false then. */
  appendCentralKeyRotation(rotation: CentralKeyRotation, count: number): Promise<boolean>;
  /** The join allow-list the deployment wrote; empty when none was written. */
  allowList(): Promise<AllowedAgency[]>;
  /** The global groups the deployment wrote; empty when none were written. */
  globalGroups(): Promise<GlobalGroup[]>;
  /** The federated instances the deployment wrote; empty when none were written. */
  federatedInstances(): Promise<FederatedInstance[]>;
}

/**
 * Where the central puts every configuration it publishes: each version as an immutable object (kept, so any past
 * configuration can be produced), and the newest as the one readers fetch — from a cache in front of the store.
 */
export interface ConfigurationDistribution {
  publish(signed: SignedGlobalConfiguration, version: number): Promise<void>;
  /** The newest published; undefined before the first. */
  current(): Promise<SignedGlobalConfiguration | undefined>;
}

export interface CentralDeps {
  readonly settings: CentralSettings;
  readonly registry: Registry;
  /** The central signing key(s): the current one signs each configuration. */
  readonly keys: KeyRing;
  readonly clock: Clock;
}
