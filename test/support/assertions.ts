/**
 * Assertions shared by the unit tests: what a call threw or a promise rejected with, and X-Road errors by type.
 */
import { XRoadError } from '../../lambdas/core/kernel/errors';

/** Runs `fn` and returns what it threw; fails the test when it does not throw. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/** Awaits `promise` and returns its rejection; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** Asserts that `fn` throws an `XRoadError` of `type` (and `status` when given); returns the error. */
export function expectXRoadError(fn: () => unknown, type: string, status?: number): XRoadError {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(XRoadError);
  const xroad = error as XRoadError;
  expect(xroad.type).toBe(type);
  if (status !== undefined) expect(xroad.status).toBe(status);
  return xroad;
}
