/**
 * The global configurations a gateway accepted over time (its archive's history plus the current one), each
 * verified: audits look keys up in all of them — a seal signed before a key rotation names a key the current
 * configuration no longer lists — and evidence carries the one in force when its messages were signed.
 */
import { verifyGlobalConfiguration, type Anchor, type GlobalConfiguration, type SignedGlobalConfiguration } from './global-configuration';

export class ConfigurationHistory {
  /** Oldest first. */
  readonly configurations: readonly GlobalConfiguration[];

  constructor(configurations: readonly GlobalConfiguration[]) {
    const byVersion = new Map(configurations.map((configuration) => [configuration.version, configuration]));
    this.configurations = [...byVersion.values()].sort((a, b) => a.version - b.version);
  }

  /**
   * Verifies each configuration with the anchor (and the rotation chain of the newest, so configurations the
   * central signed before a key rotation verify too); one that does not verify is left out and reported.
   */
  static verified(signed: readonly SignedGlobalConfiguration[], anchor: Anchor, onRejected?: (error: unknown) => void): ConfigurationHistory {
    const accepted: GlobalConfiguration[] = [];
    const newestFirst = [...signed].reverse();
    let rotations = anchor.rotations ?? [];
    for (const candidate of newestFirst) {
      try {
        const configuration = verifyGlobalConfiguration(candidate, { ...anchor, rotations });
        if (rotations.length < configuration.document.centralKeyRotations.length) rotations = configuration.document.centralKeyRotations;
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
