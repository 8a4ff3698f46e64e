import { describe, expect, it } from "vitest";
import { Slots } from "@copr/repo";
import type { ProjectKey } from "@copr/sign";
import { SignBatcher } from "./signBatcher.ts";

const key: ProjectKey = { fingerprint: "A".repeat(40), publicKey: "key" };

describe("SignBatcher", () => {
  it("signs the requests of one project that waited for a slot in one run, and other projects apart", async () => {
    const runs: string[][] = [];
    let release: () => void = () => undefined;
    const first = new Promise<void>((r) => (release = r));
    const batcher = new SignBatcher(new Slots(1), async (owner, project, paths) => {
      runs.push([`${owner}/${project}`, ...paths]);
      if (runs.length === 1) await first;
      return key;
    });
    const busy = batcher.sign("a", "p", ["1.rpm"]);
    // (Requests made in the same tick share a batch: let this one start alone.)
    await new Promise((r) => setImmediate(r));
    // While the only slot is busy, three more requests wait: two of a/p and one of b/q.
    const waiting = [batcher.sign("a", "p", ["2.rpm"]), batcher.sign("b", "q", ["3.rpm"]), batcher.sign("a", "p", ["4.rpm", "5.rpm"])];
    await new Promise((r) => setImmediate(r));
    release();
    await expect(Promise.all([busy, ...waiting])).resolves.toEqual([key, key, key, key]);
    expect(runs).toEqual([["a/p", "1.rpm"], ["a/p", "2.rpm", "4.rpm", "5.rpm"], ["b/q", "3.rpm"]]);
  });

  it("signs each request of a failed batch alone, so a bad package fails only its own request", async () => {
    const runs: string[][] = [];
    const batcher = new SignBatcher(new Slots(1), (_o, _p, paths) => {
      runs.push([...paths]);
      return paths.includes("bad.rpm") ? Promise.reject(new Error("rpmsign failed")) : Promise.resolve(key);
    });
    const results = await Promise.allSettled([batcher.sign("a", "p", ["1.rpm"]), batcher.sign("a", "p", ["bad.rpm"]), batcher.sign("a", "p", ["2.rpm"])]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(runs).toEqual([["1.rpm", "bad.rpm", "2.rpm"], ["1.rpm"], ["bad.rpm"], ["2.rpm"]]);
  });
});
