/** The trust feature's ports: where a gateway fetches the global configuration from, and where it keeps its copies. */
import type { SignedGlobalConfiguration } from './global-configuration';

/** Fetches the signed global configuration from where the central publishes it. */
export interface GlobalConfigurationFetcher {
  /**
   * The first answer `accept` takes (it throws for one it refuses — unsigned, expired, older than the one held — and
   * the next source is tried). @default accept any
   */
  fetch(accept?: (signed: SignedGlobalConfiguration) => void): Promise<SignedGlobalConfiguration>;
}

/** A configuration to keep: its version, the signed document, and its key set (`keySetKept`: already in the history). */
export interface KeptConfiguration {
  readonly version: number;
  readonly signed: SignedGlobalConfiguration;
  readonly keySetId: string;
  readonly keySetKept?: boolean;
}

/**
 * A gateway's own copies of the global configuration (its table): the newest it accepted — what a fresh container
 * starts from and the floor below which it accepts no configuration — and the history of every key set it saw,
 * which evidence and audits look old keys up in after a rotation.
 */
export interface ConfigurationArchive {
  /** The newest configuration kept; undefined before the first. */
  latest(): Promise<SignedGlobalConfiguration | undefined>;
  /**
   * Keeps a configuration this gateway accepted (newer ones only replace the newest; each new key set enters the
   * history). `keySetKept`: the caller knows this key set's first configuration is in the history already, so the
   * history is not written (a write that would change nothing costs as much as one that does). @default false
   */
  keep(configuration: KeptConfiguration): Promise<void>;
  /** The history: the first configuration of each key set seen, oldest first. */
  history(): Promise<SignedGlobalConfiguration[]>;
}
