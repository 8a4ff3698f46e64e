import { useEffect, useRef, useState } from "react";
import { useSession } from "./ApiContext.ts";

export interface LogLine {
  attempt: number;
  text: string;
}

export interface BuildWatch {
  /** live log lines per task id, as they arrived */
  logs: Readonly<Record<string, readonly LogLine[]>>;
  /** +1 on every task state change: reload the build when it moves */
  changes: number;
  connection: "connecting" | "live" | "ended" | "error";
  error: string | null;
}

/** Lines kept per task on the page; the full log is in the results. */
const MAX_LINES = 20_000;

/**
 * Follows a build with `builds.watch` (SSE): task state changes and log lines.
 * The last event id is kept, so any reconnect — the EventSource's own or a
 * new subscription after an error — resumes where it left off, without gaps
 * or repeats. Lines are applied in small batches, not one render per event.
 */
export function useBuildWatch(buildId: number): BuildWatch {
  const { api } = useSession();
  const [state, setState] = useState<BuildWatch>({ logs: {}, changes: 0, connection: "connecting", error: null });
  const lastEventId = useRef<string | null>(null);
  useEffect(() => {
    let pending: { task: string; lines: LogLine[] }[] = [];
    let changes = 0;
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let sub: { unsubscribe(): void } | undefined;
    let stopped = false;
    const flush = (): void => {
      flushTimer = undefined;
      const batch = pending;
      const moved = changes;
      pending = [];
      changes = 0;
      setState((s) => {
        const logs = { ...s.logs };
        for (const { task, lines } of batch) {
          const all = [...(logs[task] ?? []), ...lines];
          logs[task] = all.length > MAX_LINES ? all.slice(all.length - MAX_LINES) : all;
        }
        return { ...s, logs, changes: s.changes + moved };
      });
    };
    const schedule = (): void => {
      flushTimer ??= setTimeout(flush, 40);
    };
    const start = (): void => {
      sub = api.builds.watch.subscribe({ id: buildId, lastEventId: lastEventId.current }, {
        onStarted: () => setState((s) => ({ ...s, connection: "live", error: null })),
        onData: ({ id, data }) => {
          lastEventId.current = id;
          if (data.type === "log") pending.push({ task: data.task, lines: data.lines.map((text) => ({ attempt: data.attempt, text })) });
          else changes++;
          schedule();
        },
        onConnectionStateChange: (c) => {
          if (c.state === "connecting") setState((s) => ({ ...s, connection: "connecting" }));
        },
        onError: (err) => {
          setState((s) => ({ ...s, connection: "error", error: err.message }));
          // Start again from the last event seen.
          if (!stopped) retryTimer = setTimeout(start, 3000);
        },
        onComplete: () => {
          if (stopped) return;
          flush();
          setState((s) => (s.connection === "error" ? s : { ...s, connection: "ended" }));
        },
      });
    };
    start();
    return () => {
      stopped = true;
      clearTimeout(flushTimer);
      clearTimeout(retryTimer);
      sub?.unsubscribe();
    };
  }, [api, buildId]);
  return state;
}
