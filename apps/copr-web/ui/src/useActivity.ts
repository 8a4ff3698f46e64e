import { useEffect, useRef } from "react";
import { useSession } from "./ApiContext.ts";

/**
 * Calls `onChange` (coalesced, at most every `quietMs`) whenever a build is
 * created or a task moves anywhere: one subscription, however many builds
 * the page shows.
 */
export function useActivity(onChange: () => void, quietMs = 250): void {
  const { api } = useSession();
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const sub = api.builds.activity.subscribe(undefined, {
      onData: () => {
        timer ??= setTimeout(() => {
          timer = undefined;
          onChangeRef.current();
        }, quietMs);
      },
    });
    return () => {
      clearTimeout(timer);
      sub.unsubscribe();
    };
  }, [api, quietMs]);
}
