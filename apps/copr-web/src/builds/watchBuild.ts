import { isFinal } from "@copr/domain";
import type { Store } from "@copr/store";

export type WatchEvent =
  | { type: "task"; task: string; from: string; to: string }
  | { type: "log"; task: string; attempt: number; lines: string[] };

/** Where a watcher is: last seen entry of the build's event stream and of each task's log. */
export interface WatchCursor {
  events: string;
  logs: Record<string, string>;
}

export function encodeCursor(c: WatchCursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

export function decodeCursor(s: string | undefined | null): WatchCursor {
  if (s === undefined || s === null || s === "") return { events: "0", logs: {} };
  try {
    const c = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as WatchCursor;
    if (typeof c.events === "string" && typeof c.logs === "object") return c;
  } catch {
    // fall through: start from the beginning
  }
  return { events: "0", logs: {} };
}

/**
 * Follows a build live from any cursor: task state changes and log lines,
 * read from Redis streams with blocking reads (no polling). Each yielded
 * item carries the cursor after it, so a reconnecting client resumes
 * without gaps. Ends once every task is final and everything was sent.
 */
export async function* watchBuild(store: Store, buildId: number, from: WatchCursor, signal?: AbortSignal): AsyncGenerator<{ cursor: string; event: WatchEvent }> {
  const build = await store.builds.getBuild(buildId);
  if (build === null) return;
  const redis = store.redis.duplicate();
  redis.on("error", () => undefined);
  const cursor: WatchCursor = { events: from.events, logs: { ...from.logs } };
  const eventsKey = store.keys.buildEvents(buildId);
  const logKeys = build.taskIds.map((t) => store.keys.taskLog(t));
  try {
    let finished = false;
    for (;;) {
      if (signal?.aborted === true) return;
      const ids = [cursor.events, ...build.taskIds.map((t) => cursor.logs[t] ?? "0")];
      // Once every task is final, one short read drains what is left, then the watch ends.
      const res = (await redis.xread("COUNT", 500, "BLOCK", finished ? 300 : 10_000, "STREAMS", eventsKey, ...logKeys, ...ids));
      let sawTaskEvent = false;
      for (const [key, entries] of res ?? []) {
        for (const [id, kv] of entries) {
          const m = new Map<string, string>();
          for (let i = 0; i + 1 < kv.length; i += 2) m.set(kv[i] ?? "", kv[i + 1] ?? "");
          if (key === eventsKey) {
            cursor.events = id;
            if (m.get("to") === "created") continue;
            sawTaskEvent = true;
            yield { cursor: encodeCursor(cursor), event: { type: "task", task: m.get("task") ?? "", from: m.get("from") ?? "", to: m.get("to") ?? "" } };
          } else {
            const task = build.taskIds[logKeys.indexOf(key)] ?? "";
            cursor.logs[task] = id;
            yield { cursor: encodeCursor(cursor), event: { type: "log", task, attempt: Number(m.get("attempt") ?? 0), lines: JSON.parse(m.get("lines") ?? "[]") as string[] } };
          }
        }
      }
      const empty = res === null || res.length === 0;
      if (finished && empty) return;
      if (!finished && (sawTaskEvent || empty)) {
        const tasks = await store.builds.getTasks(build.taskIds);
        finished = tasks.every((t) => isFinal(t.state));
      }
    }
  } finally {
    redis.disconnect();
  }
}
