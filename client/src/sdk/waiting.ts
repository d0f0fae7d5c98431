/**
 * Every wait in the SDK takes the same two options: an AbortSignal and an optional timeout.
 * Nothing has a default timeout — a 30-second print or a three-hour job is waited for as long
 * as it takes; a caller who wants a bound says so.
 */
import { BatonError, ClientErrorCode } from "./errors.ts";

export interface WaitOptions {
  /** Stops waiting (the promise rejects with code ABORTED). It does not cancel anything on the device. */
  signal?: AbortSignal;
  /** Stops waiting after this many milliseconds (code TIMEOUT). No default: nothing times out unless asked. */
  timeoutMs?: number;
}

/**
 * A promise settled by `start`'s resolve/reject, or rejected by the signal or the timeout.
 * `start` returns a cleanup function, called however the promise settles.
 */
export function waitFor<T>(
  what: string,
  options: WaitOptions,
  start: (resolve: (value: T) => void, reject: (error: unknown) => void) => (() => void) | void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { signal, timeoutMs } = options;
    if (signal?.aborted) {
      reject(aborted(what, signal));
      return;
    }
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cleanup: (() => void) | void = undefined;
    const onAbort = () => finish(() => reject(aborted(what, signal!)));
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      cleanup?.();
      settle();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => finish(() => reject(new BatonError(ClientErrorCode.TIMEOUT, `No answer ${what} within ${timeoutMs} ms.`))), timeoutMs);
    }
    cleanup = start(
      (value) => finish(() => resolve(value)),
      (error) => finish(() => reject(error)),
    );
    if (settled) cleanup?.();
  });
}

function aborted(what: string, signal: AbortSignal): BatonError {
  return new BatonError(ClientErrorCode.ABORTED, `Stopped waiting ${what}: the wait was aborted.`, { cause: signal.reason });
}
