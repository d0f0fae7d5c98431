/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. For state that arrives by patch. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000, what = condition.toString()): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Polls an asynchronous `condition` (an HTTP answer, a store read) until it holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 5_000, what = condition.toString()): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
