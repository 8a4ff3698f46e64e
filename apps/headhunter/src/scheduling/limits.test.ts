import { describe, expect, it } from "vitest";
import { ownerArchBlock, ownerBlock, projectBlock } from "./limits.ts";
import { DEFAULT_POLICY } from "./policy.ts";

describe("limits", () => {
  it("block at Copr's production limits by default", () => {
    expect(ownerBlock(DEFAULT_POLICY, 89)).toBeNull();
    expect(ownerBlock(DEFAULT_POLICY, 90)).toBe("owner at its limit 90/90");
    expect(projectBlock(DEFAULT_POLICY, 34)).toBeNull();
    expect(projectBlock(DEFAULT_POLICY, 35)).toBe("project at its limit 35/35");
  });

  it("limit an owner per arch only where configured", () => {
    const policy = { ...DEFAULT_POLICY, ownerArchLimits: { aarch64: 2 } };
    expect(ownerArchBlock(policy, "x86_64", 50)).toBeNull();
    expect(ownerArchBlock(policy, "aarch64", 2)).toBe("owner at its limit for aarch64 2/2");
  });
});
