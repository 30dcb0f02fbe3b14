/**
 * The sealer (a scheduled Lambda in AWS, a timer in the local runtime) and the gateway's fail-closed check on it.
 *
 * The records of a window come from the log's change feed (`LogFeed`: the table's stream), read to its end on every
 * shard by this one reader each run; a window is sealed only once the feed has been read past its end plus the grace
 * for retried writes, so every record of it is in the seal whichever shard carried it (ADR 0004). Records logged
 * before the log had a feed come from the legacy sealing index (`SealStore.indexedLeaves`).
 */
import { LayerFault } from '../kernel/errors';
import type { SealingSettings } from './settings';
import type { Clock, KeyRing } from '../kernel/ports';
import type { FeedRead, LogFeed, SealLeaf, SealStore } from './ports';
import { createSeal, GENESIS, parseSeal, sealHash, windowOf, windowStartMs, type Seal, type SealHeader } from './seal';
import { keyIdOf } from '../kernel/signatures';

export interface SealerDeps {
  readonly store: SealStore;
  /** The current key signs each run's seals. */
  readonly keys: KeyRing;
  readonly gatewayId: string;
  readonly clock: Clock;
  readonly settings: SealingSettings;
  /** The log's change feed. @default - none: the leaves come from `store.leavesInWindows` (tests' in-memory logs) */
  readonly feed?: LogFeed;
}

/** The first seal reaches this many windows back, so records logged shortly before it are covered too. */
export const GENESIS_LOOKBACK_WINDOWS = 60;
/** One seal covers at most this many windows, so a catch-up after an outage comes in bounded steps. */
export const MAX_WINDOWS_PER_SEAL = 240;

export const compareLeaves = (a: SealLeaf, b: SealLeaf) =>
  a.loggedAt < b.loggedAt ? -1 : a.loggedAt > b.loggedAt ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

/** The newest window that may be sealed now: closed for at least the grace period. */
export const lastSealableWindow = (nowMs: number, settings: SealingSettings) =>
  windowOf(nowMs - settings.graceSeconds * 1000, settings.intervalSeconds) - 1;

/** Seals every closed window since the last seal; returns the seals written. */
export async function runSealer(deps: SealerDeps): Promise<SealHeader[]> {
  const { settings } = deps;
  const signer = await deps.keys.current();
  const keyId = keyIdOf(await signer.publicKey());
  const written: SealHeader[] = [];
  const stored = await deps.store.latestSeal();
  let latest: Seal | undefined = stored;
  let last = lastSealableWindow(deps.clock.now(), settings);
  const feed = deps.feed ? await deps.feed.read(stored?.feed) : undefined;
  // Only windows the feed has been read past, plus the grace for retried writes: a shard that is behind holds them back.
  if (feed) last = Math.min(last, windowOf(feed.readThroughMs - settings.graceSeconds * 1000, settings.intervalSeconds) - 1);
  for (;;) {
    const previous = latest ? parseSeal(latest) : undefined;
    const fromWindow = previous ? previous.toWindow + 1 : last - GENESIS_LOOKBACK_WINDOWS + 1;
    if (fromWindow > last) return written;
    const toWindow = Math.min(last, fromWindow + MAX_WINDOWS_PER_SEAL - 1);
    const leaves = (feed ? await feedLeaves(deps, feed, fromWindow, toWindow) : await deps.store.leavesInWindows(fromWindow, toWindow)).sort(
      compareLeaves,
    );
    const seal = await createSeal(
      {
        gateway: deps.gatewayId,
        intervalSeconds: settings.intervalSeconds,
        fromWindow,
        toWindow,
        previousSealHash: latest ? sealHash(latest) : GENESIS,
        sealedAt: new Date(deps.clock.now()).toISOString(),
      },
      leaves.map((leaf) => Buffer.from(leaf.recordHash, 'base64')),
      signer,
      keyId,
    );
    const header = parseSeal(seal);
    // The feed resumes after the records of the windows sealed so far (records of sealed windows read again are skipped).
    const positions = feed?.positionsBefore(windowStartMs(toWindow + 1, settings.intervalSeconds));
    if (!(await deps.store.putSeal(seal, header, positions))) return written; // another sealer is ahead; it continues
    written.push(header);
    latest = seal;
  }
}

/**
 * The leaves of windows `from`…`to`: the feed's, and — for windows that began before the feed did — the legacy index's
 * (a record written while the feed was being enabled is in both: counted once).
 */
async function feedLeaves(deps: SealerDeps, feed: FeedRead, fromWindow: number, toWindow: number): Promise<SealLeaf[]> {
  const { intervalSeconds } = deps.settings;
  const byKey = new Map<string, SealLeaf>();
  for (const leaf of feed.leaves) {
    const window = windowOf(Date.parse(leaf.loggedAt), intervalSeconds);
    if (window >= fromWindow && window <= toWindow) byKey.set(leaf.key, leaf);
  }
  const lastBeforeFeed = Math.min(toWindow, windowOf(feed.startedAtMs, intervalSeconds));
  if (fromWindow <= lastBeforeFeed && deps.store.indexedLeaves) {
    for (const leaf of await deps.store.indexedLeaves(fromWindow, lastBeforeFeed)) if (!byKey.has(leaf.key)) byKey.set(leaf.key, leaf);
  }
  return [...byKey.values()];
}

export interface SealStatus {
  /** False before the sealer's first run (messages are not refused then). */
  readonly sealed: boolean;
  readonly sealedUpTo?: string;
  readonly lagSeconds?: number;
  readonly maxLagSeconds: number;
  /** The gateway refuses messages (`TimestampingFailed`). */
  readonly failClosed: boolean;
}

/**
 * Fail closed like X-Road: when the newest seal ends more than `maxLagSeconds` ago, sealing has been failing and
 * the gateway refuses messages (`TimestampingFailed`) until it recovers. The newest seal is looked up at most every
 * `checkEveryMs` per process. A gateway with no seal yet (the sealer has not run once) is not refused.
 */
export class SealHealth {
  private checkedAt = Number.NEGATIVE_INFINITY;
  private sealedUpToMs?: number;

  constructor(
    private readonly store: Pick<SealStore, 'latestSeal'>,
    private readonly settings: SealingSettings,
    private readonly clock: Clock,
    private readonly checkEveryMs = 15_000,
  ) {}

  /** The newest seal, read now (for health answers): how far the log is sealed and how old that is. */
  async status(): Promise<SealStatus> {
    const now = this.clock.now();
    const latest = await this.store.latestSeal();
    const maxLagSeconds = this.settings.maxLagSeconds;
    if (!latest) return { sealed: false, maxLagSeconds, failClosed: false };
    const sealedUpToMs = windowStartMs(parseSeal(latest).toWindow + 1, this.settings.intervalSeconds);
    const lagSeconds = Math.max(0, Math.round((now - sealedUpToMs) / 1000));
    return { sealed: true, sealedUpTo: new Date(sealedUpToMs).toISOString(), lagSeconds, maxLagSeconds, failClosed: lagSeconds > maxLagSeconds };
  }

  async check(): Promise<void> {
    const now = this.clock.now();
    const stale = () => this.sealedUpToMs !== undefined && now - this.sealedUpToMs > this.settings.maxLagSeconds * 1000;
    if (now - this.checkedAt >= this.checkEveryMs || stale()) {
      try {
        const latest = await this.store.latestSeal();
        if (latest) this.sealedUpToMs = windowStartMs(parseSeal(latest).toWindow + 1, this.settings.intervalSeconds);
        this.checkedAt = now;
      } catch (error) {
        // The log store is unreachable: the log write that follows will fail closed with its own error.
        if (!stale()) return;
        throw new LayerFault('TimestampingFailed', 'The message log seals cannot be checked', { cause: error });
      }
    }
    if (stale()) {
      throw new LayerFault(
        'TimestampingFailed',
        `The message log has not been sealed since ${new Date(this.sealedUpToMs!).toISOString()}; messages are refused until sealing recovers`,
      );
    }
  }
}
