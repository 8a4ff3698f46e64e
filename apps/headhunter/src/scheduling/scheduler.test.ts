import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, type SchedulingPolicy } from "./policy.ts";
import { Scheduler, type SchedTask } from "./scheduler.ts";

let n = 0;
function task(owner: string, project = "p", extra: Partial<SchedTask> = {}): SchedTask {
  n++;
  return { id: `${owner}-${project}-${n}`, buildId: n, attempt: 0, owner, project, arch: "x86_64", background: false, queuedAt: n, ...extra };
}

function scheduler(policy: Partial<SchedulingPolicy> = {}) {
  const reasons = new Map<string, string>();
  const s = new Scheduler({ ...DEFAULT_POLICY, ...policy }, { reason: (scope, text) => (text === null ? reasons.delete(scope) : reasons.set(scope, text)) });
  s.setOnline(["x86_64"]);
  return { s, reasons };
}

describe("Scheduler", () => {
  it("counts queued tasks by the kind of reason that holds them, for metrics", () => {
    const { s } = scheduler({ ownerLimit: 1 });
    s.setOnline([]);
    s.add(task("a"));
    s.add(task("a"));
    expect(Object.fromEntries(s.waitingByReasonKind())).toEqual({ arch: 2 });
    s.setOnline(["x86_64"]);
    expect(Object.fromEntries(s.waitingByReasonKind())).toEqual({ slot: 2 });
    expect(s.pick("x86_64", 0)?.owner).toBe("a");
    // a is at its limit of 1 running task: the other waits for the owner.
    expect(Object.fromEntries(s.waitingByReasonKind())).toEqual({ owner: 1 });
  });

  it("gives a newcomer the next slot however many tasks another owner queued", () => {
    const { s } = scheduler();
    for (let i = 0; i < 3000; i++) s.add(task("a"));
    const a1 = s.pick("x86_64", 0);
    const a2 = s.pick("x86_64", 0);
    expect([a1?.owner, a2?.owner]).toEqual(["a", "a"]);
    s.add(task("b"));
    s.finish(a1?.id ?? "", 2000);
    expect(s.pick("x86_64", 2000)?.owner).toBe("b");
  });

  it("shares slots by decayed usage: the owner who used less goes first, and usage is forgotten over half-lives", () => {
    const { s } = scheduler({ halfLifeMs: 1000, startChargeS: 1 });
    s.ledger.charge("heavy", 1000, 0);
    s.ledger.charge("light", 10, 0);
    s.add(task("heavy"));
    s.add(task("light"));
    expect(s.pick("x86_64", 0)?.owner).toBe("light");
    const later = scheduler({ halfLifeMs: 1000, startChargeS: 1 }).s;
    later.ledger.charge("heavy", 1000, 0);
    later.ledger.charge("light", 10, 20_000); // heavy's usage is 1000 / 2^20 by then
    later.add(task("light"));
    later.add(task("heavy"));
    expect(later.pick("x86_64", 20_000)?.owner).toBe("heavy");
  });

  it("weights usage by the admin share", () => {
    const { s } = scheduler({ startChargeS: 1 });
    s.setShare("big", 3);
    for (let i = 0; i < 100; i++) {
      s.add(task("big"));
      s.add(task("small"));
    }
    const count = { big: 0, small: 0 };
    for (let i = 0; i < 80; i++) {
      const t = s.pick("x86_64", i * 1000);
      if (t === undefined) throw new Error("nothing picked");
      count[t.owner as "big" | "small"]++;
      s.finish(t.id, i * 1000 + 1000); // one builder-second each
    }
    expect(count.big / count.small).toBeCloseTo(3, 0);
  });

  it("takes an owner's projects in turn and each project's tasks oldest first", () => {
    const { s } = scheduler();
    const p1 = [task("o", "one"), task("o", "one"), task("o", "one")];
    const p2 = [task("o", "two")];
    for (const t of [...p1, ...p2]) s.add(t);
    const order = [1, 2, 3, 4].map(() => s.pick("x86_64", 0)?.id);
    expect(order).toEqual([p1[0]?.id, p2[0]?.id, p1[1]?.id, p1[2]?.id]);
  });

  it("holds an owner at its limit without holding anyone else, and lets go when a task ends", () => {
    const { s, reasons } = scheduler({ ownerLimit: 2, projectLimit: 35 });
    const mine = [task("a"), task("a"), task("a")];
    for (const t of mine) s.add(t);
    const picked = [s.pick("x86_64", 0), s.pick("x86_64", 0)];
    expect(s.pick("x86_64", 0)).toBeUndefined();
    expect(s.reason(mine[2]?.id ?? "")).toBe("owner at its limit 2/2");
    expect(reasons.get("owner:a")).toBe("owner at its limit 2/2");
    s.add(task("b"));
    expect(s.pick("x86_64", 0)?.owner).toBe("b");
    s.finish(picked[0]?.id ?? "", 1000);
    expect(reasons.has("owner:a")).toBe(false);
    expect(s.pick("x86_64", 1000)?.id).toBe(mine[2]?.id);
  });

  it("holds a project at its limit while the owner's other project runs", () => {
    const { s } = scheduler({ projectLimit: 1 });
    s.add(task("o", "big"));
    s.add(task("o", "big"));
    s.add(task("o", "small"));
    expect(s.pick("x86_64", 0)?.project).toBe("big");
    expect(s.pick("x86_64", 0)?.project).toBe("small");
    const waiting = s.pick("x86_64", 0);
    expect(waiting).toBeUndefined();
  });

  it("limits an owner per arch only on that arch", () => {
    const { s } = scheduler({ ownerArchLimits: { aarch64: 1 } });
    s.setOnline(["x86_64", "aarch64"]);
    const arm = [task("o", "p", { arch: "aarch64" }), task("o", "p", { arch: "aarch64" })];
    for (const t of arm) s.add(t);
    s.add(task("o"));
    expect(s.pick("aarch64", 0)?.id).toBe(arm[0]?.id);
    expect(s.pick("aarch64", 0)).toBeUndefined();
    expect(s.reason(arm[1]?.id ?? "")).toBe("owner at its limit for aarch64 1/1");
    expect(s.pick("x86_64", 0)?.owner).toBe("o");
  });

  it("runs background tasks only when no ordinary task can start", () => {
    const { s } = scheduler({ ownerLimit: 1 });
    const bg = task("b", "p", { background: true });
    s.add(bg);
    s.add(task("a"));
    s.add(task("a"));
    expect(s.reason(bg.id)).toBe("background: ordinary tasks queued");
    expect(s.pick("x86_64", 0)?.owner).toBe("a");
    // a is at its limit: its second task cannot start, so the background task may.
    expect(s.pick("x86_64", 0)?.id).toBe(bg.id);
  });

  it("says when no builder serves an arch", () => {
    const { s, reasons } = scheduler();
    const t = task("o", "p", { arch: "s390x" });
    s.add(t);
    expect(s.reason(t.id)).toBe("no online builder for s390x");
    s.setOnline(["x86_64", "s390x"]);
    expect(s.reason(t.id)).toBe("waiting for a free s390x slot");
    expect(reasons.has("arch:s390x")).toBe(false);
  });

  it("is idempotent on add, forgets removed tasks and does not queue a running one", () => {
    const { s } = scheduler();
    const t = task("o");
    expect(s.add(t)).toBe(true);
    expect(s.add(t)).toBe(false);
    expect(s.queuedCount).toBe(1);
    s.remove(t.id);
    expect(s.pick("x86_64", 0)).toBeUndefined();
    s.add(t);
    expect(s.pick("x86_64", 0)?.id).toBe(t.id);
    expect(s.add(t)).toBe(false);
    s.finish(t.id, 5000);
    expect(s.ledger.usage("o", 5000)).toBeCloseTo(5, 1);
  });

  it("charges nothing for a handover that did not happen", () => {
    const { s } = scheduler();
    const t = task("o");
    s.add(t);
    s.pick("x86_64", 0);
    s.finish(t.id, 10_000, false);
    expect(s.ledger.usage("o", 10_000)).toBe(0);
  });
});
