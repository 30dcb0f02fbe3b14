/**
 * The sealer (a scheduled Lambda in AWS, a timer in the local runtime) and the gateway's fail-closed check on it.
 */
import { LayerFault } from '../kernel/errors';
import type { SealingSettings } from './settings';
import type { Clock, KeyRing } from '../kernel/ports';
import type { SealLeaf, SealStore } from './ports';
import { createSeal, GENESIS, parseSeal, sealHash, windowOf, windowStartMs, type SealHeader } from './seal';
import { keyIdOf } from '../kernel/signatures';

export interface SealerDeps {
  readonly store: SealStore;
  /** The current key signs each run's seals. */
  readonly keys: KeyRing;
  readonly gatewayId: string;
  readonly clock: Clock;
  readonly settings: SealingSettings;
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
  let latest = await deps.store.latestSeal();
  const last = lastSealableWindow(deps.clock.now(), settings);
  for (;;) {
    const previous = latest ? parseSeal(latest) : undefined;
    const fromWindow = previous ? previous.toWindow + 1 : last - GENESIS_LOOKBACK_WINDOWS + 1;
    if (fromWindow > last) return written;
    const toWindow = Math.min(last, fromWindow + MAX_WINDOWS_PER_SEAL - 1);
    const leaves = (await deps.store.leavesInWindows(fromWindow, toWindow)).sort(compareLeaves);
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
    if (!(await deps.store.putSeal(seal, header))) return written; // another sealer is ahead; it continues
    written.push(header);
    latest = seal;
  }
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
