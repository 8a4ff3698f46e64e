import { useEffect, useRef } from "react";
import { useSession } from "./ApiContext.ts";

/**
 * Calls `onChange` (coalesced, at most every `quietMs`) when a task of one of
 * the given builds changes state. Browsers allow about six connections per
 * server over HTTP/1.1 and each watch is one, so only the first `max` are
 * followed; the rest refresh along with them.
 */
export function useBuildsWatch(buildIds: readonly number[], onChange: () => void, max = 3, quietMs = 250): void {
  const { api } = useSession();
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const key = buildIds.slice(0, max).join(",");
  useEffect(() => {
    if (key === "") return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const changed = (): void => {
      timer ??= setTimeout(() => {
        timer = undefined;
        onChangeRef.current();
      }, quietMs);
    };
    const subs = key.split(",").map((id) =>
      api.builds.watch.subscribe({ id: Number(id) }, {
        onData: ({ data }) => {
          if (data.type === "task") changed();
        },
      }),
    );
    return () => {
      clearTimeout(timer);
      for (const s of subs) s.unsubscribe();
    };
  }, [api, key, quietMs]);
}
