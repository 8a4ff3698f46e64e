import { useCallback, useEffect, useState } from "react";
import { errorText, type Builder } from "./api.ts";
import { useSession } from "./ApiContext.ts";

export interface BuildersState {
  builders: readonly Builder[] | undefined;
  live: boolean;
  error: string | null;
  /** Fetch the list once now (after a drain, say), without waiting for the watch. */
  refresh: () => void;
}

/**
 * Every registered worker, live from `builders.watch` (the server sends the
 * whole list on every change). If the watch is not available, the list is
 * read once with `builders.list`, and an empty list is shown if that fails too.
 */
export function useBuilders(): BuildersState {
  const { api } = useSession();
  const [builders, setBuilders] = useState<readonly Builder[]>();
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => {
    api.builders.list.query().then(
      (b) => {
        setBuilders(b);
        setError(null);
      },
      (e: unknown) => {
        setBuilders((old) => old ?? []);
        setError(errorText(e));
      },
    );
  }, [api]);
  useEffect(() => {
    const sub = api.builders.watch.subscribe(undefined, {
      onStarted: () => setLive(true),
      onData: ({ data }) => {
        setBuilders(data);
        setError(null);
      },
      onError: () => {
        setLive(false);
        refresh();
      },
      onComplete: () => setLive(false),
    });
    return () => sub.unsubscribe();
  }, [api, refresh]);
  return { builders, live, error, refresh };
}
