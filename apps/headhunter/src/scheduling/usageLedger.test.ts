import { describe, expect, it } from "vitest";
import { UsageLedger } from "./usageLedger.ts";

const H = 3_600_000;

describe("UsageLedger", () => {
  it("halves usage every half-life", () => {
    const l = new UsageLedger(H);
    l.charge("a", 100, 0);
    expect(l.usage("a", H)).toBeCloseTo(50);
    expect(l.usage("a", 3 * H)).toBeCloseTo(12.5);
  });

  it("ranks owners by current usage even when charged at different times", () => {
    const l = new UsageLedger(H);
    l.charge("old", 400, 0); // 100 left two half-lives later
    l.charge("new", 150, 2 * H);
    expect(l.rank("old")).toBeLessThan(l.rank("new"));
    l.charge("recent", 90, 2 * H);
    expect(l.rank("recent")).toBeLessThan(l.rank("old"));
  });

  it("divides usage by the share", () => {
    const l = new UsageLedger(H);
    l.setShare("big", 4);
    l.charge("big", 300, 0);
    l.charge("small", 100, 0);
    expect(l.rank("big")).toBeLessThan(l.rank("small"));
  });

  it("puts owners without usage first and never goes below zero", () => {
    const l = new UsageLedger(H);
    l.charge("a", 10, 0);
    l.charge("a", -50, 1000);
    expect(l.usage("a", 1000)).toBe(0);
    expect(l.rank("a")).toBe(-Infinity);
    expect(l.rank("nobody")).toBe(-Infinity);
  });
});
