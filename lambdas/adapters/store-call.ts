/**
 * The port's promise for every store call: a failure — an outage, throttling, a missing table or bucket — reaches the
 * core as `StoreUnavailableError` for that store, so it becomes the right X-Road error (`portFault`), never a raw SDK
 * error answered as `InternalError`.
 */
import { StoreUnavailableError, type StoreName } from '../core/kernel/ports';

/** Runs `call`; any failure is `StoreUnavailableError(store, message)` with the SDK's error as its cause. */
export async function storeCall<T>(store: StoreName, message: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new StoreUnavailableError(store, message, { cause: error });
  }
}
