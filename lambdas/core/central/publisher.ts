/** Publishing the global configuration: on the central's schedule, after a join, and on demand for `GET /globalconf`. */
import type { SignedGlobalConfiguration } from '../trust/global-configuration';
import type { CentralDeps, ConfigurationDistribution } from './ports';
import { generateGlobalConfiguration } from './configuration-builder';

/**
 * Publishes the global configuration: generates, signs and distributes the next version (on the central's schedule,
 * and at once after a join), and answers `GET /globalconf` with the newest distributed one — re-read at most every
 * `generationSeconds`, and published anew when the newest is older than that (a schedule that stalled). Readers
 * normally fetch the distributed objects from the cache in front of the store, which costs the central nothing.
 */
export class GlobalConfigurationPublisher {
  private current?: { signed: SignedGlobalConfiguration; readAt: number };
  private pending?: Promise<SignedGlobalConfiguration>;

  constructor(
    private readonly deps: CentralDeps,
    private readonly distribution: ConfigurationDistribution,
  ) {}

  /** Generates, signs and distributes the next configuration; concurrent calls share one. */
  publish(): Promise<SignedGlobalConfiguration> {
    this.pending ??= (async () => {
      try {
        const signed = await generateGlobalConfiguration(this.deps);
        await this.distribution.publish(signed, (JSON.parse(signed.document) as { version: number }).version);
        this.current = { signed, readAt: this.deps.clock.now() };
        return signed;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }

  async signed(): Promise<SignedGlobalConfiguration> {
    const now = this.deps.clock.now();
    const generationMs = this.deps.settings.generationSeconds * 1000;
    if (this.current && now - this.current.readAt < generationMs) return this.current.signed;
    const newest = await this.distribution.current();
    if (newest && now - Date.parse((JSON.parse(newest.document) as { generatedAt: string }).generatedAt) < generationMs) {
      this.current = { signed: newest, readAt: now };
      return newest;
    }
    return this.publish();
  }
}
