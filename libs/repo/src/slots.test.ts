import { describe, expect, it } from "vitest";
import { Slots } from "./slots.ts";

describe("Slots", () => {
  it("admits at most `limit` holders and hands slots over in FIFO order", async () => {
    const slots = new Slots(2);
    const order: number[] = [];
    const r1 = await slots.acquire();
    const r2 = await slots.acquire();
    expect(slots.inUse).toBe(2);
    const waiting = [3, 4].map((n) => slots.acquire().then((release) => (order.push(n), release)));
    await Promise.resolve();
    expect(order).toEqual([]);
    r1();
    r1(); // a second release is a no-op
    const r3 = await waiting[0];
    expect(order).toEqual([3]);
    expect(slots.inUse).toBe(2);
    r2();
    const r4 = await waiting[1];
    expect(order).toEqual([3, 4]);
    r3?.();
    r4?.();
    expect(slots.inUse).toBe(0);
  });
});
