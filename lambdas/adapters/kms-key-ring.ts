/**
 * `KeyRing` of KMS keys: which key signs and which are published is an item the operator's rotation writes (the
 * registry's central key ring, a gateway's signing keys); without one, the deployment's ring holds (its signing key,
 * and in AWS the keys its stack properties publish). The item is re-read at most every `ttlMs`, so a switch reaches every running
 * function within that time, without a redeploy.
 */
import { KmsSigner } from './kms-signer';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { Clock, KeyRing, Signer } from '../core/kernel/ports';

/** What a key-ring item says: the key that signs and the keys to publish (KMS key ids or ARNs). */
export interface KeyRingState {
  readonly current: string;
  readonly published: readonly string[];
}

export class KmsKeyRing implements KeyRing {
  private readonly signers = new Map<string, KmsSigner>();
  private state?: { value: KeyRingState; loadedAt: number };

  constructor(
    /** The KMS client, asked for when a key first signs (`AwsClients.kms` is created on first use). */
    private readonly kms: () => KMSClient,
    /** Reads the key-ring item; undefined when there is none. */
    private readonly load: () => Promise<KeyRingState | undefined>,
    /** The deployment's ring: what holds while no item is written. */
    private readonly deploymentRing: KeyRingState,
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
  ) {}

  async current(): Promise<Signer> {
    return this.signer((await this.read()).current);
  }

  async published(): Promise<Signer[]> {
    return (await this.read()).published.map((keyId) => this.signer(keyId));
  }

  private async read(): Promise<KeyRingState> {
    const now = this.clock.now();
    if (this.state && now - this.state.loadedAt < this.ttlMs) return this.state.value;
    try {
      const value = (await this.load()) ?? this.deploymentRing;
      this.state = { value, loadedAt: now };
    } catch (error) {
      // Keep signing with the ring last read; with none read yet, the failure is the caller's (a port error).
      if (!this.state) throw error;
    }
    return this.state.value;
  }

  private signer(keyId: string): KmsSigner {
    let signer = this.signers.get(keyId);
    if (!signer) this.signers.set(keyId, (signer = new KmsSigner(this.kms(), keyId)));
    return signer;
  }
}
