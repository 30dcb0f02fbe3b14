/**
 * The provider side's view of its access policy, read from the gateway's table and cached: deploy-time changes
 * (a new or revoked access right) take effect within `ttlMs` without a redeploy of the functions. A failed read
 * keeps the last policy; with none, the call fails closed with `DatabaseError`.
 */
import { LayerFault } from '../kernel/errors';
import type { AccessPolicy } from './settings';
import type { Clock } from '../kernel/ports';

export const ACCESS_POLICY_TTL_MS = 60_000;

export class CachedAccessPolicy {
  private cached?: { policy: AccessPolicy; loadedAt: number };

  constructor(
    private readonly load: () => Promise<AccessPolicy>,
    private readonly clock: Clock,
    private readonly ttlMs = ACCESS_POLICY_TTL_MS,
  ) {}

  async current(): Promise<AccessPolicy> {
    const now = this.clock.now();
    if (this.cached && now - this.cached.loadedAt < this.ttlMs) return this.cached.policy;
    try {
      this.cached = { policy: await this.load(), loadedAt: now };
    } catch (error) {
      if (!this.cached) throw new LayerFault('DatabaseError', 'The access policy could not be read', { cause: error });
    }
    return this.cached.policy;
  }
}
