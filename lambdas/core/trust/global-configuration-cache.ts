/**
 * Keeps a gateway's copy of the global configuration fresh without background work (a Lambda is frozen between
 * invocations): the first call after `refreshMs` fetches in line; while the copy is still valid a failed fetch is
 * retried with back-off and the copy keeps serving; once it has expired and cannot be refreshed, exchanges stop
 * with `OutdatedGlobalConf`.
 *
 * A fresh container starts from the newest copy its gateway kept (`ConfigurationArchive`), not empty: with the
 * central unreachable it serves that copy until it expires. A configuration of a lower version than the one held is
 * refused (no rollback, e.g. by a stale cache or a replayed answer). A newer one accepted is kept only when it changes
 * something (`keepsChange`): its content (members, gateways, keys, services, groups, rotations, federation) differs
 * from the copy known to be kept, or that copy has used half its validity — the central re-signs every
 * `generationSeconds` to extend the validity, so each publication is a new version, and keeping each one cost every
 * warm container a whole-document write a minute (issue 25). A fresh container so always finds a copy with at least
 * half its validity left (less the refresh interval), and its floor lags the newest version by at most that. Until the
 * kept copy has been read, nothing fetched is taken (`OutdatedGlobalConf`, the read retried after a back-off): its
 * chain may have moved past the anchor, and a fork the anchor's retired key signed would otherwise be taken — and
 * kept, for every later container.
 *
 * The central keys it trusts are the chain the held copy verified under (the anchor's at first, then the kept copy's,
 * then each accepted one's): a new configuration may only extend that chain forward from its head, and must be signed
 * by the head — a retired central key signs nothing a gateway takes, whatever dates its records and documents carry.
 */
import { createHash } from 'node:crypto';
import { LayerFault } from '../kernel/errors';
import type { CentralKeyChain } from './central-keys';
import {
  GlobalConfigurationError,
  requireCurrentCentralKey,
  verifyGlobalConfiguration,
  type Anchor,
  type GlobalConfiguration,
  type SignedGlobalConfiguration,
} from './global-configuration';
import type { Clock } from '../kernel/ports';
import type { ConfigurationArchive, GlobalConfigurationFetcher } from './ports';

/** The longest a gateway without a usable configuration answers from its last failure before fetching again. */
export const NO_COPY_RETRY_MS = 5000;

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
  /** Where the gateway keeps the configurations it accepted. @default - none: a fresh container starts empty */
  readonly archive?: ConfigurationArchive;
}

export class GlobalConfigurationCache {
  private cached?: GlobalConfiguration;
  private fetchedAt = 0;
  private nextAttemptAt = 0;
  private retryMs: number;
  private inFlight?: Promise<GlobalConfiguration>;
  /** Whether the kept copy was read (or there is none to read): until then the chain to extend is unknown. */
  private keptCopyRead: boolean;
  private keptCopyReading?: Promise<void>;
  private lastFailure?: LayerFault;
  private failedUntil = 0;
  /** What this container knows the archive holds as its newest copy (read at start, written, or found newer). */
  private kept?: KeptCopy;
  /** The key sets this container knows are in the archive's history: their first configuration is not written again. */
  private readonly keptKeySets = new Set<string>();

  constructor(private readonly options: GlobalConfigurationCacheOptions) {
    this.retryMs = options.initialRetryMs ?? 1000;
    this.keptCopyRead = options.archive === undefined;
  }

  /** A verified, unexpired configuration, or `LayerFault('OutdatedGlobalConf')`. */
  async current(): Promise<GlobalConfiguration> {
    if (!this.keptCopyRead) await this.startFromKeptCopy();
    const now = this.options.clock.now();
    const cached = this.cached;
    if (cached && now - this.fetchedAt < this.options.refreshMs && !cached.isExpired(now)) return cached;
    if (cached && !cached.isExpired(now) && now < this.nextAttemptAt) return cached;
    // Without a usable copy the last failure stands for a short back-off (at most NO_COPY_RETRY_MS): callers — even
    // unauthenticated ones naming a federated instance — cannot make the gateway fetch on every request, and it
    // still recovers within seconds of the source answering again.
    if (this.lastFailure && now < this.failedUntil) throw this.lastFailure;
    try {
      return await this.refresh();
    } catch (error) {
      if (cached && !cached.isExpired(this.options.clock.now())) return cached;
      const instance = this.options.anchor.instance;
      throw this.failure(
        cached
          ? `The global configuration of ${instance} has expired and could not be refreshed`
          : `No valid global configuration of ${instance} could be obtained`,
        error,
      );
    }
  }

  /**
   * Reads the kept copy once (concurrent callers share the read); while it cannot be read, the last failure stands
   * for the back-off and then the read is tried again — never skipped.
   */
  private async startFromKeptCopy(): Promise<void> {
    if (this.lastFailure && this.options.clock.now() < this.failedUntil) throw this.lastFailure;
    try {
      await (this.keptCopyReading ??= this.readKeptCopy().finally(() => {
        this.keptCopyReading = undefined;
      }));
    } catch (error) {
      this.backOff(error);
      throw this.failure(`No global configuration of ${this.options.anchor.instance} is taken until the copy this gateway kept can be read`, error);
    }
  }

  /** `OutdatedGlobalConf` with each source's answer (unreachable, or refused: signature, expiry, rollback), kept for the back-off. */
  private failure(message: string, cause: unknown): LayerFault {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    this.lastFailure = new LayerFault('OutdatedGlobalConf', `${message}${why}`, { cause });
    this.failedUntil = this.options.clock.now() + Math.min(this.retryMs, NO_COPY_RETRY_MS);
    return this.lastFailure;
  }

  /** Reports a failure and doubles the retry delay (up to `refreshMs`). */
  private backOff(error: unknown): void {
    this.options.onRefreshError?.(error);
    this.nextAttemptAt = this.options.clock.now() + this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.options.refreshMs);
  }

  /** One fetch at a time: concurrent callers share it, and a failure is counted (reported, backed off) once. */
  private refresh(): Promise<GlobalConfiguration> {
    // Promise.resolve().then: even a fetcher that throws synchronously settles this promise after it is stored.
    this.inFlight ??= Promise.resolve()
      .then(async () => {
        // Each source's answer is checked before it is taken; a refused one (expired, a lower version) lets the
        // next source answer.
        let accepted: GlobalConfiguration | undefined;
        const signed = await this.options.fetcher.fetch((candidate) => {
          accepted = this.acceptable(candidate);
        });
        const configuration = accepted ?? this.acceptable(signed);
        const held = this.cached;
        if (!held || configuration.version > held.version || configuration.generatedAtMs > held.generatedAtMs) {
          this.cached = configuration;
          await this.keep(configuration);
        }
        this.fetchedAt = this.options.clock.now();
        this.retryMs = this.options.initialRetryMs ?? 1000;
        return this.cached!;
      })
      .catch((error: unknown) => {
        this.backOff(error);
        throw error;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  /** The central keys this gateway trusts: the chain its held copy verified under, else its anchor. */
  private get centralKeys(): Anchor | CentralKeyChain {
    return this.cached?.centralKeys ?? this.options.anchor;
  }

  /**
   * A fetched configuration this gateway may take: a forward step of the held central key chain, signed by its head,
   * unexpired, not a rollback.
   */
  private acceptable(signed: SignedGlobalConfiguration): GlobalConfiguration {
    // The very copy held (a source answered 304 Not Modified): verified when it was taken; only its expiry is news.
    const held = this.cached;
    if (held && signed === held.signed) {
      if (held.isExpired(this.options.clock.now()))
        throw new GlobalConfigurationError(`The source still serves an expired configuration (${held.document.expiresAt})`);
      return held;
    }
    const configuration = verifyGlobalConfiguration(signed, this.centralKeys);
    if (configuration.isExpired(this.options.clock.now()))
      throw new GlobalConfigurationError(`The central server served an expired configuration (${configuration.document.expiresAt})`);
    if (held && configuration.version < held.version) {
      throw new GlobalConfigurationError(
        `Refused configuration version ${configuration.version}: version ${held.version} is held already (no rollback)`,
      );
    }
    return requireCurrentCentralKey(configuration);
  }

  /**
   * The newest kept copy, verified from the anchor, as the copy held (to be refreshed at once, the floor for rollback,
   * and the central key chain new configurations must extend). A read that fails is thrown: the chain is unknown.
   */
  private async readKeptCopy(): Promise<void> {
    const signed = await this.options.archive!.latest();
    this.keptCopyRead = true;
    if (!signed || this.cached) return;
    try {
      this.cached = requireCurrentCentralKey(verifyGlobalConfiguration(signed, this.options.anchor));
      this.fetchedAt = Number.NEGATIVE_INFINITY;
      this.kept = keptCopyOf(this.cached);
      this.keptKeySets.add(this.cached.keySetId);
    } catch (error) {
      // A kept copy the anchor does not verify (the gateway was redeployed with another anchor) holds no chain this
      // gateway trusts: it starts from the anchor, as with an empty archive.
      this.options.onRefreshError?.(error);
    }
  }

  /**
   * Keeps an accepted configuration when it changes something (`keepsChange`); a failure to keep it is reported, never
   * in the way of the exchange. The archive's put is conditional on the version (a newer copy another container kept
   * stays), so after any answer this container knows the archive holds a copy at least this new.
   */
  private async keep(configuration: GlobalConfiguration): Promise<void> {
    const archive = this.options.archive;
    if (!archive || !keepsChange(this.kept, configuration)) return;
    try {
      const keySetKept = this.keptKeySets.has(configuration.keySetId);
      await archive.keep({ version: configuration.version, signed: configuration.signed, keySetId: configuration.keySetId, keySetKept });
      this.kept = keptCopyOf(configuration);
      this.keptKeySets.add(configuration.keySetId);
    } catch (error) {
      this.options.onRefreshError?.(error);
    }
  }
}

/** The newest copy a container knows its gateway kept: enough to tell whether a newer configuration changes anything. */
interface KeptCopy {
  readonly version: number;
  readonly generatedAtMs: number;
  readonly validityMs: number;
  readonly contentSha256: string;
}

const keptCopyOf = (configuration: GlobalConfiguration): KeptCopy => ({
  version: configuration.version,
  generatedAtMs: configuration.generatedAtMs,
  validityMs: configuration.expiresAtMs - configuration.generatedAtMs,
  contentSha256: contentSha256(configuration),
});

/**
 * Whether keeping `configuration` changes what the archive holds: a higher version whose content differs from the kept
 * copy's, or whose kept copy has used half its validity (a fresh container must find one it can still serve from).
 */
export function keepsChange(kept: KeptCopy | undefined, configuration: GlobalConfiguration): boolean {
  if (!kept) return true;
  if (configuration.version <= kept.version) return false;
  return configuration.generatedAtMs - kept.generatedAtMs >= kept.validityMs / 2 || contentSha256(configuration) !== kept.contentSha256;
}

/** The digest of what a configuration says, without what every publication changes (version, generation, expiry). */
function contentSha256(configuration: GlobalConfiguration): string {
  const { version: _version, generatedAt: _generatedAt, expiresAt: _expiresAt, ...content } = configuration.document;
  return createHash('sha256').update(JSON.stringify(content)).digest('base64');
}
