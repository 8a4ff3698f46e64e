import { isFinal } from "@copr/domain";
import type { Store } from "@copr/store";
import { buildView, type BuildView } from "./buildView.ts";

/**
 * The build once every task has ended, or as it is after `timeoutMs`: waits
 * on the build's event stream (its own Redis connection, since XREAD BLOCK
 * holds one), never by polling. Null when there is no such build.
 */
export async function waitForBuildEnd(store: Store, id: number, timeoutMs: number): Promise<BuildView | null> {
  const deadline = Date.now() + timeoutMs;
  const redis = store.redis.duplicate();
  redis.on("error", () => undefined);
  try {
    // Events after this point in the stream; read before the state so none is missed.
    let cursor = (await redis.xrevrange(store.keys.buildEvents(id), "+", "-", "COUNT", 1))[0]?.[0] ?? "0";
    for (;;) {
      const view = await buildView(store, id);
      if (view === null || view.tasks.every((t) => isFinal(t.state))) return view;
      const left = deadline - Date.now();
      if (left <= 0) return view;
      const res = await redis.xread("COUNT", 100, "BLOCK", left, "STREAMS", store.keys.buildEvents(id), cursor);
      const entries = res?.[0]?.[1] ?? [];
      cursor = entries[entries.length - 1]?.[0] ?? cursor;
    }
  } finally {
    redis.disconnect();
  }
}
