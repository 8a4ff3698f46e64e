import { useEffect, useState } from "react";

/** The current time, ticking every `everyMs` while `ticking` (for running durations). */
export function useNow(ticking: boolean, everyMs = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!ticking) return;
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [ticking, everyMs]);
  return now;
}
