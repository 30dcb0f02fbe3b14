/** The `Clock` contract against `systemClock` (what the functions run on) and `ManualClock` (what unit tests set). */
import { systemClock } from '../../lambdas/core/kernel/ports';
import { ManualClock } from '../support/memory-adapters';
import { describeClockContract } from './clock.contract';

describeClockContract('systemClock', { make: () => systemClock, pass: (_clock, ms) => new Promise((resolve) => setTimeout(resolve, ms + 1)) });

describeClockContract('ManualClock', {
  make: () => new ManualClock(Date.parse('2026-03-02T10:00:00.000Z')),
  pass: async (clock, ms) => (clock as ManualClock).advance(ms),
});
