import { describe, expect, it } from "vitest";
import { until } from "@copr/testkit";
import type { Task } from "@copr/store";
import { headhunterFixture, type FakeWorker } from "./harness.ts";

/** The task ids `w` was given, in order. */
const given = (w: FakeWorker): string[] => w.builds.map((b) => b.task_id);

type Fixture = Awaited<ReturnType<typeof headhunterFixture>>;

/** Ends the task `w` got as `n`-th (1-based) as succeeded and waits until Headhunter has it so. */
async function finish(f: Fixture, w: FakeWorker, n: number): Promise<void> {
  await until(() => w.builds.length >= n, 20_000, `build call ${n}`);
  await f.finishAs(w, given(w)[n - 1] ?? "", "succeeded");
}

/** Waits until the wait reason published for `task` reads `text`. */
async function waitsBecause(f: Fixture, task: Task | undefined, text: string): Promise<void> {
  if (task === undefined) throw new Error("no task");
  await until(async () => (await f.store.scheduling.waitReasons([task])).get(task.id) === text, 10_000, `reason "${text}"`);
}

describe("scheduling policy (real Redis and broker)", () => {
  it("starts a newcomer's build at the next freed slot, ahead of another owner's backlog", async () => {
    await using f = await headhunterFixture();
    const w = await f.worker("fedoraproject:copr-worker:w1", { slots: 1 });
    const a = [];
    for (let i = 0; i < 6; i++) a.push((await f.submit(["fedora-40-x86_64"], { owner: "mass" })).tasks[0]?.id);
    await until(() => w.builds.length === 1, 20_000, "first build");
    const b = (await f.submit(["fedora-40-x86_64"], { owner: "bob" })).tasks[0]?.id;
    // Headhunter has queued bob's task before the next slot frees.
    await until(() => f.hh.scheduler.isQueued(b ?? ""), 10_000, "bob in the scheduler");
    await finish(f, w, 1);
    await until(() => w.builds.length === 2, 20_000, "second build");
    expect(given(w)).toEqual([a[0], b]);
  });

  it("orders owners by remembered usage weighted by their share", async () => {
    await using f = await headhunterFixture({
      beforeStart: async (store) => {
        const now = Date.now();
        // big used 3,000 builder-seconds with a share of 10 (300 weighted); small used 1,000 with 1.
        await store.scheduling.saveUsage([["big", { seconds: 3000, at: now }], ["small", { seconds: 1000, at: now }]]);
        await store.scheduling.setShare("big", 10);
      },
    });
    const small = (await f.submit(["fedora-40-x86_64"], { owner: "small" })).tasks[0]?.id;
    const big = (await f.submit(["fedora-40-x86_64"], { owner: "big" })).tasks[0]?.id;
    await until(() => f.hh.scheduler.queuedCount === 2, 10_000, "both queued");
    const w = await f.worker("fedoraproject:copr-worker:w1", { slots: 1 });
    await finish(f, w, 1);
    await until(() => w.builds.length === 2, 20_000, "second build");
    expect(given(w)).toEqual([big, small]);
    // Usage is remembered in Redis as tasks end.
    await until(async () => ((await f.store.scheduling.usage()).get("big")?.seconds ?? 0) < 3000, 10_000, "big's usage stored");
  });

  it("takes a share set by an admin while running", async () => {
    await using f = await headhunterFixture({
      beforeStart: (store) => store.scheduling.saveUsage([["big", { seconds: 3000, at: Date.now() }], ["small", { seconds: 1000, at: Date.now() }]]),
    });
    await f.store.scheduling.setShare("big", 10);
    await until(() => f.hh.scheduler.ledger.share("big") === 10, 10_000, "share applied");
    await f.store.scheduling.setShare("big", 1);
    await until(() => f.hh.scheduler.ledger.share("big") === 1, 10_000, "share reset");
  });

  it("holds an owner at its limit, says so, and gives the free slots to others", async () => {
    await using f = await headhunterFixture({ policy: { ownerLimit: 2 } });
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await f.submit(["fedora-40-x86_64"], { owner: "mass" })).tasks[0]);
    const w = await f.worker("fedoraproject:copr-worker:w1", { slots: 4 });
    await until(() => w.builds.length === 2, 20_000, "two builds");
    const third = (await f.store.builds.getTask(mine[2]?.id ?? "")) ?? undefined;
    await waitsBecause(f, third, "owner at its limit 2/2");
    const other = (await f.submit(["fedora-40-x86_64"], { owner: "bob" })).tasks[0]?.id;
    await until(() => w.builds.length === 3, 20_000, "bob's build");
    expect(given(w)[2]).toBe(other);
    await finish(f, w, 1);
    await until(() => w.builds.length === 4, 20_000, "mass's third build");
    expect(given(w)[3]).toBe(mine[2]?.id);
  });

  it("holds a project at its limit while the owner's other project runs", async () => {
    await using f = await headhunterFixture({ policy: { projectLimit: 1 } });
    const big1 = (await f.submit(["fedora-40-x86_64"], { project: "big" })).tasks[0]?.id;
    const big2 = (await f.submit(["fedora-40-x86_64"], { project: "big" })).tasks[0];
    const small = (await f.submit(["fedora-40-x86_64"], { project: "small" })).tasks[0]?.id;
    const w = await f.worker("fedoraproject:copr-worker:w1", { slots: 3 });
    await until(() => w.builds.length === 2, 20_000, "two builds");
    expect(new Set(given(w))).toEqual(new Set([big1, small]));
    await waitsBecause(f, big2, "project at its limit 1/1");
  });

  it("runs a background build only when no ordinary one can start", async () => {
    await using f = await headhunterFixture();
    const bg = (await f.submit(["fedora-40-x86_64"], { owner: "bot", background: true })).tasks[0];
    const ordinary = [];
    for (let i = 0; i < 2; i++) ordinary.push((await f.submit(["fedora-40-x86_64"], { owner: "zoe" })).tasks[0]?.id);
    await until(() => f.hh.scheduler.queuedCount === 3, 10_000, "all queued");
    const w = await f.worker("fedoraproject:copr-worker:w1", { slots: 1 });
    await until(() => w.builds.length === 1, 20_000, "first build");
    await waitsBecause(f, bg, "background: ordinary tasks queued");
    await finish(f, w, 1);
    await finish(f, w, 2);
    await until(() => w.builds.length === 3, 20_000, "background build");
    expect(given(w)).toEqual([...ordinary, bg?.id]);
  });

  it("says when no builder serves a task's arch, until one comes", async () => {
    await using f = await headhunterFixture();
    const t = (await f.submit(["fedora-40-aarch64"])).tasks[0];
    await waitsBecause(f, t, "no online builder for aarch64");
    const w = await f.worker("fedoraproject:copr-worker:arm", { arches: ["aarch64"], slots: 1 });
    await until(() => w.builds.length === 1, 20_000, "aarch64 build");
  });

  it("starts a build after its batch succeeded, and says what it waits for", async () => {
    await using f = await headhunterFixture();
    const w = await f.worker("fedoraproject:copr-worker:w1", { slots: 4 });
    const first = await f.submit(["fedora-40-x86_64"]);
    const partner = await f.submit(["fedora-40-x86_64"], { withBuildId: first.build.id });
    const after = await f.submit(["fedora-40-x86_64", "fedora-41-x86_64"], { afterBuildId: first.build.id });
    await until(() => w.builds.length === 2, 20_000, "the first batch runs");
    expect(new Set(given(w))).toEqual(new Set([first.tasks[0]?.id, partner.tasks[0]?.id]));
    const waiting = after.tasks[0];
    await waitsBecause(f, waiting, `waiting for builds ${first.build.id}, ${partner.build.id}`);
    await f.finishAs(w, first.tasks[0]?.id ?? "", "succeeded");
    await waitsBecause(f, waiting, `waiting for build ${partner.build.id}`);
    expect(w.builds.length).toBe(2);
    await f.finishAs(w, partner.tasks[0]?.id ?? "", "succeeded");
    await until(() => w.builds.length === 4, 20_000, "the second batch runs");
  });

  it("fails the builds that wait for a batch in which a build failed, and those waiting for them", async () => {
    await using f = await headhunterFixture();
    const w = await f.worker("fedoraproject:copr-worker:w1", { slots: 4 });
    const first = await f.submit(["fedora-40-x86_64"]);
    const second = await f.submit(["fedora-40-x86_64"], { afterBuildId: first.build.id });
    const third = await f.submit(["fedora-40-x86_64"], { afterBuildId: second.build.id });
    await until(() => w.builds.length === 1, 20_000, "first build");
    await f.finishAs(w, first.tasks[0]?.id ?? "", "failed");
    await until(async () => (await f.store.builds.getTask(third.tasks[0]?.id ?? ""))?.state === "failed", 10_000, "third failed");
    expect(await f.store.builds.getTask(second.tasks[0]?.id ?? "")).toMatchObject({ state: "failed", reason: `build ${first.build.id} failed; this build was to start after it` });
    expect(await f.store.builds.getTask(third.tasks[0]?.id ?? "")).toMatchObject({ state: "failed", reason: `build ${second.build.id} failed; this build was to start after it` });
    expect(w.builds.length).toBe(1);
    // Nothing can start after a failed batch any more: refused at submission.
    await expect(f.submit(["fedora-40-x86_64"], { afterBuildId: first.build.id })).rejects.toMatchObject({ code: "BATCH_REFUSED" });
  });

  it("remembers held builds across a Headhunter restart", async () => {
    await using f = await headhunterFixture();
    const first = await f.submit(["fedora-40-x86_64"]);
    const after = await f.submit(["fedora-40-x86_64"], { afterBuildId: first.build.id });
    await until(() => f.hh.scheduler.queuedCount === 1, 10_000, "first queued, second held");
    const hh2 = await f.restart();
    await until(() => hh2.scheduler.queuedCount === 1, 10_000, "first queued again, second held again");
    expect(hh2.scheduler.isQueued(after.tasks[0]?.id ?? "")).toBe(false);
    const held = after.tasks[0];
    expect((await f.store.scheduling.waitReasons([held!])).get(held!.id)).toBe(`waiting for build ${first.build.id}`);
  });
});
