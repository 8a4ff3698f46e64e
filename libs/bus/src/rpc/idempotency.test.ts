import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IdempotencyCache, type Outcome } from "./idempotency.ts";

interface Deferred {
  promise: Promise<Outcome>;
  resolve: (outcome: Outcome) => void;
}

function deferred(): Deferred {
  let resolve!: (outcome: Outcome) => void;
  const promise = new Promise<Outcome>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const ok = (value: unknown): Outcome => ({ ok: true, value });

describe("IdempotencyCache", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2024-01-01T00:00:00Z"));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs a key once while it is in flight", async () => {
    const cache = new IdempotencyCache(60_000, 100);
    const d = deferred();
    const run = vi.fn(() => d.promise);
    const first = cache.run("k", run);
    const second = cache.run("k", run);
    expect(run).toHaveBeenCalledTimes(1);
    expect(first.repeated).toBe(false);
    expect(second.repeated).toBe(true);
    expect(second.outcome).toBe(first.outcome);
    d.resolve(ok(1));
    await expect(second.outcome).resolves.toEqual(ok(1));
  });

  it("replays the stored outcome after completion, failures included", async () => {
    const cache = new IdempotencyCache(60_000, 100);
    const failure: Outcome = { ok: false, code: "BUSY", text: "no slot" };
    const run = vi.fn(() => Promise.resolve(failure));
    await cache.run("k", run).outcome;
    vi.advanceTimersByTime(30_000);
    const again = cache.run("k", run);
    expect(run).toHaveBeenCalledTimes(1);
    expect(again.repeated).toBe(true);
    await expect(again.outcome).resolves.toEqual(failure);
  });

  it("runs a different key again", async () => {
    const cache = new IdempotencyCache(60_000, 100);
    const run = vi.fn((v: number) => Promise.resolve(ok(v)));
    const a = cache.run("a", () => run(1));
    const b = cache.run("b", () => run(2));
    expect(run).toHaveBeenCalledTimes(2);
    expect(b.repeated).toBe(false);
    await expect(a.outcome).resolves.toEqual(ok(1));
    await expect(b.outcome).resolves.toEqual(ok(2));
    expect(cache.size).toBe(2);
  });

  it("runs a key again once its ttl has passed, not before", async () => {
    const cache = new IdempotencyCache(1000, 100);
    const run = vi.fn(() => Promise.resolve(ok("x")));
    await cache.run("k", run).outcome;
    vi.advanceTimersByTime(999);
    expect(cache.run("k", run).repeated).toBe(true);
    expect(run).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    const later = cache.run("k", run);
    expect(later.repeated).toBe(false);
    expect(run).toHaveBeenCalledTimes(2);
    // The new run is remembered for a full ttl from now.
    vi.advanceTimersByTime(999);
    expect(cache.run("k", run).repeated).toBe(true);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it("drops expired entries when new keys arrive", async () => {
    const cache = new IdempotencyCache(1000, 100);
    cache.run("a", () => Promise.resolve(ok(1)));
    cache.run("b", () => Promise.resolve(ok(2)));
    await vi.advanceTimersByTimeAsync(500);
    cache.run("c", () => Promise.resolve(ok(3)));
    expect(cache.size).toBe(3);
    await vi.advanceTimersByTimeAsync(600); // a, b expired; c not
    cache.run("d", () => Promise.resolve(ok(4)));
    expect(cache.size).toBe(2);
  });

  it("is bounded by max, dropping the oldest keys first", async () => {
    const cache = new IdempotencyCache(60_000, 3);
    const run = vi.fn(() => Promise.resolve(ok(null)));
    for (const key of ["a", "b", "c", "d", "e"]) {
      cache.run(key, run);
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(cache.size).toBe(3);
    expect(run).toHaveBeenCalledTimes(5);
    // c, d and e are remembered ...
    for (const key of ["c", "d", "e"]) expect(cache.run(key, run).repeated).toBe(true);
    expect(run).toHaveBeenCalledTimes(5);
    // ... a and b were dropped and run again.
    expect(cache.run("a", run).repeated).toBe(false);
    expect(cache.size).toBe(3);
    for (let i = 0; i < 1000; i++) {
      cache.run(`k${i}`, run);
      await Promise.resolve();
    }
    expect(cache.size).toBe(3);
  });

  // The class promises that a redelivered request "never runs twice" and that
  // ttl is how long a *finished* outcome is kept; but the age is counted from
  // the start of the run, so a run still in flight after ttl is forgotten.
  it("does not run a key again while its first run is still in flight past ttl", () => {
    const cache = new IdempotencyCache(1000, 100);
    const d = deferred();
    const run = vi.fn(() => d.promise);
    cache.run("k", run);
    vi.advanceTimersByTime(1500);
    cache.run("k", run);
    expect(run).toHaveBeenCalledTimes(1);
  });
});
