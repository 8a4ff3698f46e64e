import { describe, expect, it } from "vitest";
import { EpochFence } from "./epochFence.ts";

describe("EpochFence", () => {
  it("takes calls of the newest epoch seen and refuses older ones with STALE_EPOCH", () => {
    const fence = new EpochFence();
    fence.check(undefined);
    fence.check(3);
    fence.check(3);
    expect(() => fence.check(2)).toThrow(expect.objectContaining({ code: "STALE_EPOCH" }) as Error);
    fence.check(4);
    expect(fence.newest).toBe(4);
    expect(() => fence.check(3)).toThrow(/epoch 4 is active/);
    fence.check(undefined);
  });
});
