/**
 * An admin answer kept current: `load` now, then every `intervalMs` (and again at once when
 * `reload()` is called after an action). The admin pages poll like the device list does —
 * one small HTTP answer per refresh.
 */
import { useCallback, useEffect, useRef, useState } from "react";

export interface Polled<T> {
  data: T | null;
  error: unknown;
  reload(): void;
}

export function usePolled<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], intervalMs = 3_000): Polled<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown }>({ data: null, error: null });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const data = await loadRef.current(controller.signal);
        if (!controller.signal.aborted) setState({ data, error: null });
      } catch (error) {
        if (!controller.signal.aborted) setState((current) => ({ ...current, error }));
      }
      if (!controller.signal.aborted) timer = setTimeout(poll, intervalMs);
    };
    void poll();
    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [...deps, generation, intervalMs]); // `load` is read through a ref: `deps` say when to start over
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}
