/**
 * What a local run has started, to stop in reverse order: the last thing started stops first, so nothing is stopped
 * while something started after it still uses it (a gateway's API front before the emulators it calls).
 */
export class Shutdown {
  private readonly steps: (() => Promise<void>)[] = [];

  /** Adds a step, run before every step added earlier. */
  public add(stop: () => Promise<void>): void {
    this.steps.push(stop);
  }

  /** Runs `task` every `intervalMs` (a schedule in AWS) until shut down; the timer alone keeps no process alive. */
  public every(intervalMs: number, task: () => unknown): void {
    const timer = setInterval(task, intervalMs);
    timer.unref();
    this.add(async () => clearInterval(timer));
  }

  /** Runs every step, the last added first; a step that fails stops the rest. */
  public async run(): Promise<void> {
    for (const stop of this.steps.reverse()) await stop();
  }

  /** Runs every step, the last added first, whatever each does: after a start that failed, to leave nothing running. */
  public async runIgnoringErrors(): Promise<void> {
    for (const stop of this.steps.reverse()) await stop().catch(() => undefined);
  }
}
