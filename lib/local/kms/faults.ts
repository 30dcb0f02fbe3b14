/**
 * Faults injected into the local KMS's request handling, for robustness tests: one fault at a time, optionally for
 * one operation and a number of requests, acted out before the request is authenticated.
 */
import { KmsError } from './kms-error';

/**
 * A fault injected into request handling, for robustness tests.
 * - `throttle`: HTTP 400 `ThrottlingException` (the SDK treats it as retryable).
 * - `unavailable`: HTTP 500 `KMSInternalException`.
 * - `delay`: wait `delayMs`, then answer normally.
 */
export interface KmsFault {
  /** Only affect this operation (e.g. `'Sign'`); all operations when omitted. */
  readonly operation?: string;
  readonly kind: 'throttle' | 'unavailable' | 'delay';
  /** Delay for `kind: 'delay'`. @default 0 */
  readonly delayMs?: number;
  /** Number of matching requests to affect before the fault clears itself; forever when omitted. */
  readonly remaining?: number;
}

/** The fault currently installed, and the delays it has in flight. */
export class FaultInjector {
  private fault?: KmsFault;
  /** Timers of in-flight `delay` faults, cleared on stop so they cannot keep the process alive. */
  private readonly pendingDelays = new Set<NodeJS.Timeout>();

  /**
   * Installs (or, with `undefined`, clears) a fault. The fault is copied, so
   * later mutation of the argument has no effect.
   */
  set(fault?: KmsFault): void {
    if (fault !== undefined && fault.remaining !== undefined && fault.remaining <= 0) {
      this.fault = undefined;
      return;
    }
    this.fault = fault === undefined ? undefined : { ...fault };
  }

  /** Consumes one use of the current fault if it matches, and acts it out. */
  async apply(operation: string): Promise<void> {
    const fault = this.fault;
    if (fault === undefined || (fault.operation !== undefined && fault.operation !== operation)) return;
    if (fault.remaining !== undefined) {
      const left = fault.remaining - 1;
      this.fault = left > 0 ? { ...fault, remaining: left } : undefined;
    }
    switch (fault.kind) {
      case 'throttle':
        throw new KmsError('ThrottlingException', 'Rate exceeded (injected fault)');
      case 'unavailable':
        throw new KmsError('KMSInternalException', 'Service unavailable (injected fault)', 500);
      case 'delay':
        await this.sleep(fault.delayMs ?? 0);
        return;
    }
  }

  /** Cancels the delays in flight: their requests are never answered, and no timer keeps the process alive. */
  cancelDelays(): void {
    for (const timer of this.pendingDelays) clearTimeout(timer);
    this.pendingDelays.clear();
  }

  /** A sleep that `cancelDelays()` can cancel; a cancelled sleep never resolves, so no reply is attempted. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pendingDelays.delete(timer);
        resolve();
      }, ms);
      this.pendingDelays.add(timer);
    });
  }
}
