/** Injected faults: scoped to an operation, counted down, and never left waiting after a stop. */
import { FaultInjector } from '../../../../lib/local/kms/faults';
import { KmsError } from '../../../../lib/local/kms/kms-error';

async function failure(call: Promise<void>): Promise<KmsError | undefined> {
  try {
    await call;
    return undefined;
  } catch (err) {
    return err as KmsError;
  }
}

describe('FaultInjector', () => {
  test('no fault: every request goes through', async () => {
    await expect(new FaultInjector().apply('Sign')).resolves.toBeUndefined();
  });

  test('a throttle scoped to one operation fails only it, `remaining` times, then clears itself', async () => {
    const faults = new FaultInjector();
    faults.set({ operation: 'Sign', kind: 'throttle', remaining: 2 });
    await expect(faults.apply('DescribeKey')).resolves.toBeUndefined();
    expect(await failure(faults.apply('Sign'))).toMatchObject({ type: 'ThrottlingException', status: 400 });
    expect(await failure(faults.apply('Sign'))).toMatchObject({ type: 'ThrottlingException', status: 400 });
    await expect(faults.apply('Sign')).resolves.toBeUndefined();
  });

  test('unavailable is an HTTP 500 KMSInternalException, for every operation until cleared', async () => {
    const faults = new FaultInjector();
    faults.set({ kind: 'unavailable' });
    for (const operation of ['Sign', 'Verify', 'CreateKey'])
      expect(await failure(faults.apply(operation))).toMatchObject({ type: 'KMSInternalException', status: 500 });
    faults.set(undefined);
    await expect(faults.apply('Sign')).resolves.toBeUndefined();
  });

  test('a fault with nothing remaining is no fault, and the installed fault is a copy', async () => {
    const faults = new FaultInjector();
    faults.set({ kind: 'throttle', remaining: 0 });
    await expect(faults.apply('Sign')).resolves.toBeUndefined();
    const fault = { kind: 'throttle' as const, remaining: 1 };
    faults.set(fault);
    fault.remaining = 5;
    expect(await failure(faults.apply('Sign'))).toBeInstanceOf(KmsError);
    await expect(faults.apply('Sign')).resolves.toBeUndefined();
  });

  test('a delay answers after delayMs', async () => {
    const faults = new FaultInjector();
    faults.set({ kind: 'delay', delayMs: 50, remaining: 1 });
    const started = Date.now();
    await faults.apply('Sign');
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  test('a cancelled delay never answers', async () => {
    const faults = new FaultInjector();
    faults.set({ kind: 'delay', delayMs: 50 });
    const answered = jest.fn();
    void faults.apply('Sign').then(answered);
    faults.cancelDelays();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).not.toHaveBeenCalled();
  });
});
