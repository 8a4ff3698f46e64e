import { describe, expect, it } from "vitest";
import { IndexedHeap } from "./indexedHeap.ts";

describe("IndexedHeap", () => {
  it("pops in order after random sets, updates and deletes", () => {
    const heap = new IndexedHeap<number, { v: number }>((a, b) => a.v < b.v);
    const live = new Map<number, { v: number }>();
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const k = Math.floor(rnd() * 300);
      const op = rnd();
      if (op < 0.5) {
        const v = { v: rnd() };
        heap.set(k, v);
        live.set(k, v);
      } else if (op < 0.75) {
        const v = live.get(k);
        if (v !== undefined) {
          v.v = rnd();
          heap.update(k);
        }
      } else {
        expect(heap.delete(k)).toBe(live.delete(k));
      }
      expect(heap.size).toBe(live.size);
    }
    const out: number[] = [];
    for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v.v);
    expect(out).toEqual([...live.values()].map((x) => x.v).sort((a, b) => a - b));
  });

  it("peeks the first key and knows membership", () => {
    const heap = new IndexedHeap<string, number>((a, b) => a < b);
    heap.set("b", 2);
    heap.set("a", 1);
    expect(heap.peekKey()).toBe("a");
    expect(heap.has("b")).toBe(true);
    heap.set("a", 3);
    expect(heap.peekKey()).toBe("b");
    expect(heap.get("a")).toBe(3);
  });
});
