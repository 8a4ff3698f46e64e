import { useCallback, useEffect, useRef, useState } from "react";
import { errorText } from "./api.ts";

export interface QueryState<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  /** Loads again, keeping the current data on screen meanwhile. */
  reload: () => void;
}

/**
 * Runs `load` when `key` changes and on reload(); only the newest answer is
 * kept, so a slow old response never overwrites a newer one.
 */
export function useQuery<T>(key: string, load: () => Promise<T>): QueryState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const keyRef = useRef(key);
  useEffect(() => {
    let current = true;
    if (keyRef.current !== key) {
      keyRef.current = key;
      setData(undefined);
    }
    setLoading(true);
    loadRef.current().then(
      (d) => {
        if (!current) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!current) return;
        setError(errorText(e));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload };
}
