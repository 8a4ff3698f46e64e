import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LogBatcher } from "./logBatcher.ts";

function collect(options: ConstructorParameters<typeof LogBatcher>[1] = {}) {
  const batches: { lines: string[]; offset: number }[] = [];
  const seen: string[] = [];
  const batcher = new LogBatcher(
    (lines, offset) => {
      batches.push({ lines, offset });
      return Promise.resolve();
    },
    { onLine: (l) => void seen.push(l), ...options },
  );
  return { batcher, batches, seen };
}

describe("LogBatcher", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("keeps each stream's unfinished line apart, so interleaved stdout and stderr are not glued together", async () => {
    const { batcher, batches, seen } = collect();
    batcher.write("+ cd /build", "stderr");
    batcher.write("started\n", "stdout");
    batcher.write("\n+ echo started\n", "stderr");
    await batcher.end();
    expect(seen).toEqual(["started", "+ cd /build", "+ echo started"]);
    expect(batches.flatMap((b) => b.lines)).toEqual(seen);
  });

  it("sends a batch after intervalMs or when maxLines are waiting, with running offsets", async () => {
    const { batcher, batches } = collect({ intervalMs: 200, maxLines: 3 });
    batcher.write("a\nb\n");
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(batches).toEqual([{ lines: ["a", "b"], offset: 0 }]);
    batcher.write("c\r\nd\ne\nf");
    await vi.advanceTimersByTimeAsync(0);
    expect(batches[1]).toEqual({ lines: ["c", "d", "e"], offset: 2 });
    await batcher.end();
    expect(batches[2]).toEqual({ lines: ["f"], offset: 5 });
  });
});
