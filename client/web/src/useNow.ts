/** The current time, refreshed every `periodMs` — for "running for 3 min" lines that age. */
import { useEffect, useState } from "react";

export function useNow(periodMs = 5_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(timer);
  }, [periodMs]);
  return now;
}
