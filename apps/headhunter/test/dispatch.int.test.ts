import { describe, expect, it } from "vitest";
import { Signals, BusConnection, coprBuildDomain, silentLogger } from "@copr/bus";
import { until } from "@copr/testkit";
import { FakeWorker, busConfig, headhunterFixture } from "./harness.ts";


describe("Headhunter dispatch", () => {
  it("hands a queued task to a registered agent, follows its status and log, and announces Copr topics", async () => {
    await using f = await headhunterFixture();
    const sub = await BusConnection.open(busConfig(f.ns, "subscriber"), { logger: silentLogger });
    const ends: number[] = [];
    const s = new Signals(sub).subscribe(coprBuildDomain, { end: (p) => void ends.push(p.status) });
    await s.ready;
    const w = await f.worker("fedoraproject:copr-worker:w1");
    const { tasks } = await f.submit(["fedora-40-x86_64"]);
    const id = tasks[0]?.id ?? "";
    await until(() => w.builds.length === 1, 20_000, "build call");
    expect(w.builds[0]).toMatchObject({ task_id: id, attempt: 0, chroot: "fedora-40-x86_64", arch: "x86_64", pkg_name: "hello" });
    expect((await f.store.builds.getTask(id))?.state).toBe("starting");
    await w.report(id, 0, "running");
    await w.log(id, 0, ["+ rpmbuild --rebuild hello-1.0-1.src.rpm", "Wrote: hello-1.0-1.noarch.rpm"]);
    await w.report(id, 0, "succeeded");
    await until(async () => (await f.store.builds.getTask(id))?.state === "succeeded", 10_000, "succeeded");
    await until(async () => (await f.store.logs.readLog(id)).length === 1, 10_000, "log");
    expect((await f.store.logs.readLog(id))[0]?.lines[1]).toMatch(/Wrote/);
    await until(() => ends.length === 1, 10_000, "copr.build.end");
    expect(ends).toEqual([1]);
    expect(f.hh.pool.snapshot()[0]?.used).toBe(0);
    s.close();
    await sub.close();
  });

  it("never gives work to an agent that is not registered", async () => {
    await using f = await headhunterFixture();
    const refusals = new Map<string, string>();
    f.hh.watch.on("refused", (agent, reason) => void refusals.set(agent.name, reason));
    await f.submit(["fedora-40-x86_64", "fedora-41-x86_64"]);
    const stranger = await f.worker("fedoraproject:copr-worker:stranger", { register: false });
    // A registered agent with a wrong token is refused too.
    await f.store.workers.addWorker("fedoraproject:copr-worker:liar");
    const liar = await FakeWorker.start(f.ns, "fedoraproject:copr-worker:liar", { token: "copr_w_guessed-token-000000000000", arches: ["x86_64"], slots: 2 });
    // Headhunter has judged both: neither is in the pool, so neither can get work.
    await until(() => refusals.size === 2, 20_000, "both agents refused");
    expect(Object.fromEntries(refusals)).toEqual({
      "fedoraproject:copr-worker:stranger": expect.stringMatching(/not registered/) as unknown,
      "fedoraproject:copr-worker:liar": "wrong worker token",
    });
    expect(f.hh.pool.has(stranger.agent.name) || f.hh.pool.has(liar.agent.name)).toBe(false);
    const good = await f.worker("fedoraproject:copr-worker:good");
    await until(() => good.builds.length === 2, 20_000, "registered agent gets both");
    expect([...stranger.builds, ...liar.builds]).toEqual([]);
    await liar.kill();
  });

  it("ignores status and log signals sent in another worker's name (another broker user, no token proof)", async () => {
    await using f = await headhunterFixture();
    const w1 = await f.worker("fedoraproject:copr-worker:w1");
    const id = await f.runOn(w1);
    // w2 is registered too, with its own token: it can only sign as itself.
    const w2 = await f.worker("fedoraproject:copr-worker:w2", { arches: ["aarch64"] });
    await w2.report(id, 0, "failed", "forged", w1.agent.name);
    await w2.log(id, 0, ["forged line"], w1.agent.name);
    // Ordered after the forgeries on the same durable queue: once it shows, they were handled.
    await w1.log(id, 0, ["genuine line"]);
    await until(async () => (await f.store.logs.readLog(id)).length > 0, 10_000, "genuine log");
    expect((await f.store.logs.readLog(id)).flatMap((e) => e.lines)).toEqual(["genuine line"]);
    expect((await f.store.builds.getTask(id))?.state).toBe("running");
    await w1.report(id, 0, "succeeded");
    await until(async () => (await f.store.builds.getTask(id))?.state === "succeeded", 10_000, "succeeded");
  });

  it("believes no heartbeat a worker sends in another worker's name, so a forged restart requeues nothing", async () => {
    await using f = await headhunterFixture();
    const w1 = await f.worker("fedoraproject:copr-worker:w1");
    const id = await f.runOn(w1);
    const w2 = await f.worker("fedoraproject:copr-worker:w2", { arches: ["aarch64"] });
    const impostors: string[] = [];
    f.hh.console.agents.on("impostor", (r) => impostors.push(`${r.claimed} from ${r.sender ?? "-"}`));
    await w2.forgeHeartbeat(w1.agent.name, 99);
    await until(() => impostors.length === 1, 10_000, "the forgery to be dropped");
    expect(impostors).toEqual([`${w1.agent.name} from ${w2.agent.name}`]);
    expect(f.hh.console.agents.get(w1.agent.name)?.epoch).toBe(1);
    const task = await f.store.builds.getTask(id);
    expect([task?.state, task?.attempt, task?.agent]).toEqual(["running", 0, w1.agent.name]);
    expect(w1.builds).toHaveLength(1);
  });

  it("takes a task's log only from the worker running that attempt, and never past the lines it sent", async () => {
    await using f = await headhunterFixture();
    const w1 = await f.worker("fedoraproject:copr-worker:w1");
    const w2 = await f.worker("fedoraproject:copr-worker:w2", { arches: ["aarch64"] });
    const { tasks } = await f.submit(["fedora-40-x86_64"]);
    const id = tasks[0]?.id ?? "";
    await until(() => w1.builds.length === 1, 20_000, "build call");
    await w1.report(id, 0, "running");
    await w1.log(id, 0, ["line 0"]);
    // w2 signs correctly, as itself, but does not run this task.
    await w2.log(id, 0, ["injected by w2"], undefined, 1);
    // w1 claims lines it never sent: the log must not freeze.
    await w1.log(id, 0, ["from the future"], undefined, 1e9);
    await w1.log(id, 0, ["line 1"], undefined, 1);
    await until(async () => (await f.store.logs.readLog(id)).flatMap((e) => e.lines).includes("line 1"), 10_000, "the genuine second line");
    expect((await f.store.logs.readLog(id)).flatMap((e) => e.lines)).toEqual(["line 0", "line 1"]);
  });

  it("closes without waiting for a repository job an agent has not answered", async () => {
    await using f = await headhunterFixture();
    const w = await f.worker("fedoraproject:copr-worker:repo", { holdCreaterepo: true });
    const { tasks } = await f.submit(["fedora-40-x86_64"]);
    const id = tasks[0]?.id ?? "";
    await until(() => w.builds.length === 1, 20_000, "build call");
    await w.report(id, 0, "running");
    await w.report(id, 0, "succeeded");
    await until(() => w.createrepoCalls === 1, 20_000, "the repository job to reach the agent");
    // The call's own timeout is 15 minutes: close() must not wait for it (the test's limit would end first).
    await f.hh.close();
  });

  it("does not let a backlog of one arch delay another, and respects slots", async () => {
    await using f = await headhunterFixture();
    const w = await f.worker("fedoraproject:copr-worker:x86", { arches: ["x86_64"], slots: 1 });
    await f.submit(["epel-9-aarch64", "fedora-40-aarch64"]);
    const { tasks } = await f.submit(["fedora-40-x86_64"]);
    const second = await f.submit(["fedora-41-x86_64"]);
    await until(() => w.builds.length === 1, 20_000, "x86_64 task dispatched past aarch64 backlog");
    expect(w.builds[0]?.task_id).toBe(tasks[0]?.id);
    expect(f.hh.pool.free(w.agent.name)).toBe(0);
    await w.report(tasks[0]?.id ?? "", 0, "succeeded");
    await until(() => w.builds.length === 2, 20_000, "second task after the slot freed");
    expect(w.builds[1]?.task_id).toBe(second.tasks[0]?.id);
    // One slot: the second call came only after the first task ended, whenever it came.
    expect(w.maxRunning).toBe(1);
  });

  it("retries a lost agent's task on another agent, with a new attempt", async () => {
    await using f = await headhunterFixture();
    const a = await f.worker("fedoraproject:copr-worker:a", { slots: 1, heartbeatMs: 500 });
    const { tasks } = await f.submit(["fedora-40-x86_64"]);
    const id = tasks[0]?.id ?? "";
    await until(() => a.builds.length === 1, 20_000, "first host");
    await a.report(id, 0, "running");
    await until(async () => (await f.store.builds.getTask(id))?.state === "running", 10_000, "running");
    const b = await f.worker("fedoraproject:copr-worker:b", { slots: 1 });
    await a.kill();
    await until(() => b.builds.length === 1, 20_000, "retry on the second host");
    expect(b.builds[0]).toMatchObject({ task_id: id, attempt: 1 });
    // A late report from the lost host's attempt changes nothing.
    const task = await f.store.builds.getTask(id);
    expect(task).toMatchObject({ state: "starting", attempt: 1, agent: b.agent.name, hosts: [a.agent.name, b.agent.name] });
    await b.report(id, 1, "succeeded");
    await until(async () => (await f.store.builds.getTask(id))?.state === "succeeded", 10_000, "succeeded on b");
  });

  it("fails a task with the reason after its third host is lost", async () => {
    await using f = await headhunterFixture();
    const { tasks } = await f.submit(["fedora-40-x86_64"]);
    const id = tasks[0]?.id ?? "";
    for (const n of [1, 2, 3]) {
      const w = await f.worker(`fedoraproject:copr-worker:h${n}`, { slots: 1, heartbeatMs: 500 });
      await until(() => w.builds.length === 1, 20_000, `host ${n}`);
      await w.kill();
    }
    await until(async () => (await f.store.builds.getTask(id))?.state === "failed", 20_000, "failed");
    expect((await f.store.builds.getTask(id))?.reason).toMatch(/gave up after 3 hosts/);
  });

  it("cancels pending tasks at once and running ones through their agent", async () => {
    await using f = await headhunterFixture();
    const w = await f.worker("fedoraproject:copr-worker:c", { slots: 1 });
    const { build, tasks } = await f.submit(["fedora-40-x86_64", "fedora-41-x86_64"]);
    await until(() => w.builds.length === 1, 20_000, "one running");
    await f.queues.control({ kind: "cancel-build", buildId: build.id, by: "alice" });
    await until(async () => (await f.store.builds.getTasks(build.taskIds)).every((t) => t.state === "canceled"), 20_000, "all canceled");
    expect(w.canceled).toEqual([w.builds[0]?.task_id]);
    expect(tasks).toHaveLength(2);
  });
});
