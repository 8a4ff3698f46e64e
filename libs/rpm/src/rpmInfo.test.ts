import { describe, expect, it } from "vitest";
import { nevra } from "./rpmInfo.ts";

describe("nevra", () => {
  const base = { name: "hello", version: "1.0", release: "1.fc40", arch: "x86_64" };

  it("shows source packages as .src and the epoch when there is one", () => {
    expect(nevra({ ...base, epoch: 2, isSource: true })).toBe("hello-2:1.0-1.fc40.src");
    expect(nevra({ ...base, epoch: 0, isSource: true })).toBe("hello-0:1.0-1.fc40.src");
  });

  it("omits a missing epoch and uses the arch of binary packages", () => {
    expect(nevra({ ...base, epoch: null, isSource: false })).toBe("hello-1.0-1.fc40.x86_64");
  });
});
