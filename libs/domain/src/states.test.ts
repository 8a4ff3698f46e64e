import { describe, expect, it } from "vitest";
import { TASK_STATES, canTransition, coprStateName, deriveBuildState, isFinal } from "./states.ts";

describe("task states", () => {
  it("never leaves a final state", () => {
    for (const from of TASK_STATES.filter(isFinal)) {
      for (const to of TASK_STATES) expect(canTransition(from, to)).toBe(false);
    }
  });

  it("lets a lost host's task go back to pending for a retry", () => {
    expect(canTransition("running", "pending")).toBe(true);
    expect(canTransition("starting", "pending")).toBe(true);
  });

  it("publishes a built task before it succeeds, and does not cancel or retry it then", () => {
    expect(canTransition("running", "succeeded")).toBe(false);
    expect(canTransition("running", "publishing")).toBe(true);
    expect(canTransition("publishing", "succeeded")).toBe(true);
    expect(canTransition("publishing", "failed")).toBe(true);
    expect(canTransition("publishing", "canceled")).toBe(false);
    expect(canTransition("publishing", "pending")).toBe(false);
    expect(coprStateName("publishing")).toBe("running");
    expect(coprStateName("failed")).toBe("failed");
  });

  it("derives the build state as Copr does", () => {
    expect(deriveBuildState(["succeeded", "publishing", "pending"])).toBe("publishing");
    expect(deriveBuildState(["publishing", "running"])).toBe("running");
    expect(deriveBuildState(["succeeded", "running", "pending"])).toBe("running");
    expect(deriveBuildState(["succeeded", "pending"])).toBe("pending");
    expect(deriveBuildState(["succeeded", "failed", "canceled"])).toBe("failed");
    expect(deriveBuildState(["succeeded", "canceled"])).toBe("canceled");
    expect(deriveBuildState(["skipped", "skipped"])).toBe("skipped");
    expect(deriveBuildState(["succeeded", "skipped"])).toBe("succeeded");
  });
});
