/**
 * Keeps a gateway's copy of the global configuration fresh without background work (a Lambda is frozen between
 * invocations): the first call after `refreshMs` fetches in line; while the copy is still valid a failed fetch is
 * retried with back-off and the copy keeps serving; once it has expired and cannot be refreshed, exchanges stop
 * with `OutdatedGlobalConf`.
 */
import { LayerFault } from './errors';
import { verifyGlobalConfiguration, type Anchor, type GlobalConfiguration } from './global-configuration';
import type { Clock, GlobalConfigurationFetcher } from './ports';

export interface GlobalConfigurationCacheOptions {
  readonly anchor: Anchor;
  readonly fetcher: GlobalConfigurationFetcher;
  readonly clock: Clock;
  /** How old a copy may get before the next call refreshes it. */
  readonly refreshMs: number;
  /** First retry delay after a failed refresh; doubles up to `refreshMs`. @default 1000 */
  readonly initialRetryMs?: number;
  /** Called when a refresh fails; the gateway logs it (an alarm should fire well before expiry). */
  readonly onRefreshError?: (error: unknown) => void;
}

export class GlobalConfigurationCache {
  private cached?: GlobalConfiguration;
  private fetchedAt = 0;
  private nextAttemptAt = 0;
  private retryMs: number;
  private inFlight?: Promise<GlobalConfiguration>;

  constructor(private readonly options: GlobalConfigurationCacheOptions) {
    this.retryMs = options.initialRetryMs ?? 1000;
  }

  /** A verified, unexpired configuration, or `LayerFault('OutdatedGlobalConf')`. */
  async current(): Promise<GlobalConfiguration> {
    const now = this.options.clock.now();
    const cached = this.cached;
    if (cached && now - this.fetchedAt < this.options.refreshMs && !cached.isExpired(now)) return cached;
    if (cached && !cached.isExpired(now) && now < this.nextAttemptAt) return cached;
    try {
      return await this.refresh();
    } catch (error) {
      const later = this.options.clock.now();
      if (cached && !cached.isExpired(later)) return cached;
      throw new LayerFault('OutdatedGlobalConf', 'The global configuration has expired and could not be refreshed', { cause: error });
    }
  }

  /** One fetch at a time: concurrent callers share it, and a failure is counted (reported, backed off) once. */
  private refresh(): Promise<GlobalConfiguration> {
    // Promise.resolve().then: even a fetcher that throws synchronously settles this promise after it is stored.
    this.inFlight ??= Promise.resolve()
      .then(() => this.options.fetcher.fetch())
      .then(
        (signed) => {
          const configuration = verifyGlobalConfiguration(signed, this.options.anchor);
          const now = this.options.clock.now();
          if (configuration.isExpired(now)) throw new Error(`The central server served an expired configuration (${configuration.document.expiresAt})`);
          if (!this.cached || configuration.generatedAtMs >= this.cached.generatedAtMs) this.cached = configuration;
          this.fetchedAt = now;
          this.retryMs = this.options.initialRetryMs ?? 1000;
          return this.cached;
        },
      )
      .catch((error: unknown) => {
        this.options.onRefreshError?.(error);
        this.nextAttemptAt = this.options.clock.now() + this.retryMs;
        this.retryMs = Math.min(this.retryMs * 2, this.options.refreshMs);
        throw error;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
