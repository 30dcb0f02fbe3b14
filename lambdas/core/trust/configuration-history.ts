/**
 * The global configurations a gateway accepted over time (its archive's history plus the current one), each
 * verified: audits look keys up in all of them — a seal signed before a key rotation names a key the current
 * configuration no longer lists — and evidence carries the one in force when its messages were signed.
 */
import type { CentralKeyChain } from './central-keys';
import { verifyGlobalConfiguration, type Anchor, type GlobalConfiguration, type SignedGlobalConfiguration } from './global-configuration';

export class ConfigurationHistory {
  /** Oldest first: by version, then by generation time. */
  readonly configurations: readonly GlobalConfiguration[];
  /**
   * Versions held in two or more different signed documents. A central gives each version once, so this is
   * equivocation (its key signed both, or someone holding a central key did): both stay, and the audit reports it.
   */
  readonly conflicts: readonly number[];

  constructor(configurations: readonly GlobalConfiguration[]) {
    // The same document twice (the kept newest is also the current one) is one configuration.
    const byDocument = new Map(configurations.map((configuration) => [configuration.signed.document, configuration]));
    this.configurations = [...byDocument.values()].sort((a, b) => a.version - b.version || a.generatedAtMs - b.generatedAtMs);
    const versions = this.configurations.map((configuration) => configuration.version);
    this.conflicts = [...new Set(versions.filter((version, index) => versions.indexOf(version) !== index))];
  }

  /**
   * Verifies each configuration (oldest first in `signed`) newest first: the newest against the anchor (its rotations
   * are the verifier's own), each older one against the central key chain the newer ones verified under, so none can
   * fork from it. One that does not verify is left out and reported.
   */
  static verified(signed: readonly SignedGlobalConfiguration[], anchor: Anchor, onRejected?: (error: unknown) => void): ConfigurationHistory {
    const accepted: GlobalConfiguration[] = [];
    let centralKeys: Anchor | CentralKeyChain = anchor;
    for (const candidate of [...signed].reverse()) {
      try {
        const configuration = verifyGlobalConfiguration(candidate, centralKeys);
        centralKeys = configuration.centralKeys ?? centralKeys;
        accepted.push(configuration);
      } catch (error) {
        onRejected?.(error);
      }
    }
    return new ConfigurationHistory(accepted);
  }

  /** The key with this id that the gateway published in any of the configurations. */
  publicKey(gatewayId: string, keyId: string): string | undefined {
    for (let index = this.configurations.length - 1; index >= 0; index -= 1) {
      const key = this.configurations[index].publicKey(gatewayId, keyId);
      if (key) return key;
    }
    return undefined;
  }

  /** The configuration in force at a time: the newest generated at or before it (else the oldest known). */
  inForceAt(epochMs: number): GlobalConfiguration | undefined {
    let found = this.configurations[0];
    for (const configuration of this.configurations) if (configuration.generatedAtMs <= epochMs) found = configuration;
    return found;
  }
}
