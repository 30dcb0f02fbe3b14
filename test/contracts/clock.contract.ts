import type { Clock } from '../../lambdas/core/kernel/ports';

/** A clock, and how to let time pass on it. */
export interface ClockSubject {
  make(): Clock;
  pass(clock: Clock, ms: number): Promise<void>;
}

export function describeClockContract(name: string, subject: ClockSubject): void {
  describe(`Clock contract: ${name}`, () => {
    test('now() is whole milliseconds since the epoch, in this century', () => {
      const now = subject.make().now();
      expect(Number.isInteger(now)).toBe(true);
      expect(now).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));
      expect(now).toBeLessThan(Date.parse('2100-01-01T00:00:00Z'));
    });

    test('time never runs backwards, and passes as it is let pass', async () => {
      const clock = subject.make();
      const before = clock.now();
      expect(clock.now()).toBeGreaterThanOrEqual(before);
      await subject.pass(clock, 25);
      expect(clock.now() - before).toBeGreaterThanOrEqual(25);
    });
  });
}
