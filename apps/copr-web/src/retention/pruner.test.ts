import { describe, expect, it } from "vitest";
import type { Build, Task } from "@copr/store";
import { pruneCandidates } from "./pruner.ts";

const DAY = 86_400_000;
const NOW = 100 * DAY;

function build(id: number, pkg: string, tasks: [chroot: string, state: Task["state"], endedDaysAgo: number | null][]): { build: Build; tasks: Task[] } {
  const b = {
    id, owner: "alice", project: "p", submittedBy: "alice", submittedAt: 0, taskIds: tasks.map(([c]) => `${id}-${c}`),
    srpm: { name: pkg, epoch: null, version: String(id), release: "1", sha256: "", size: 0, file: "" },
  } satisfies Build;
  return {
    build: b,
    tasks: tasks.map(([chroot, state, ago]) => ({
      id: `${id}-${chroot}`, buildId: id, owner: "alice", project: "p", chroot, arch: "x86_64", state, attempt: 0, agent: null, reason: null, hosts: [],
      queuedAt: 0, startedAt: 0, endedAt: ago === null ? null : NOW - ago * DAY,
    })),
  };
}

describe("auto-prune: what goes", () => {
  it("keeps the newest success per package and chroot at any age; removes older results after the grace days", () => {
    const builds = [
      build(1, "a", [["f40", "succeeded", 30], ["el9", "succeeded", 30]]),
      build(2, "a", [["f40", "succeeded", 20], ["el9", "failed", 20]]),
      build(3, "b", [["f40", "succeeded", 40]]),
      build(4, "a", [["f40", "failed", 20], ["el9", "canceled", 3]]),
      build(5, "a", [["f40", "succeeded", 1]]),
      build(6, "a", [["f40", "running", null]]),
      build(7, "c", [["f40", "skipped", 50]]),
    ];
    // f40: a's newest success is 5 (1 day old): 1 and 2 are superseded and old; 4 failed long ago.
    // el9: a's newest success is still 1; 2 failed long ago; 4's cancel is recent.
    expect(pruneCandidates(builds, NOW, 14)).toEqual([
      { buildId: 1, chroot: "f40" },
      { buildId: 2, chroot: "f40" },
      { buildId: 2, chroot: "el9" },
      { buildId: 4, chroot: "f40" },
    ]);
    // With more grace days, only what is older goes.
    expect(pruneCandidates(builds, NOW, 25)).toEqual([{ buildId: 1, chroot: "f40" }]);
    expect(pruneCandidates([], NOW, 14)).toEqual([]);
  });
});
