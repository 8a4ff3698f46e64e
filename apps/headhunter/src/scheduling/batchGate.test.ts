import { describe, expect, it } from "vitest";
import { batchVerdict } from "@copr/store";
import { batchWaitReason } from "./batchGate.ts";

describe("batches", () => {
  it("name the builds a batch waits for", () => {
    expect(batchWaitReason([41])).toBe("waiting for build 41");
    expect(batchWaitReason([41, 42])).toBe("waiting for builds 41, 42");
    expect(batchWaitReason([1, 2, 3, 4, 5])).toBe("waiting for builds 1, 2, 3 and 2 more");
  });

  it("are done when every build succeeded or was skipped, and failed as soon as one task failed", () => {
    expect(batchVerdict(new Map([[1, ["succeeded", "skipped"]], [2, ["succeeded"]]]))).toEqual({ kind: "done" });
    expect(batchVerdict(new Map([[1, ["succeeded"]], [2, ["running", "pending"]]]))).toEqual({ kind: "open", waitingFor: [2] });
    expect(batchVerdict(new Map([[1, ["running", "failed"]], [2, ["pending"]]]))).toEqual({ kind: "failed", buildId: 1, state: "failed" });
    expect(batchVerdict(new Map([[3, ["canceled"]]]))).toEqual({ kind: "failed", buildId: 3, state: "canceled" });
  });
});
