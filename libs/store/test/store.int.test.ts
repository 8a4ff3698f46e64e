import { describe, expect, inject, it } from "vitest";
import { redisNamespace } from "@copr/testkit";
import { StoreError } from "@copr/store";
import { connect } from "node:net";
import { Redis } from "ioredis";
import { srpm, store } from "./fixtures.ts";

describe("store", () => {
  it("creates users whose tokens are stored hashed", async () => {
    await using s = await store();
    const { token } = await s.accounts.createUser("alice");
    expect((await s.accounts.authenticate(token))?.name).toBe("alice");
    expect(await s.accounts.authenticate(token + "x")).toBeNull();
    const keys: string[] = [];
    for await (const batch of s.redis.scanStream({ match: `${s.keys.prefix}*` })) keys.push(...(batch as string[]));
    expect(keys.some((k) => k.includes(token))).toBe(false);
    await expect(s.accounts.createUser("alice")).rejects.toMatchObject({ code: "EXISTS" });
    await expect(s.accounts.createUser("../etc")).rejects.toMatchObject({ code: "INVALID_NAME" });
  });

  it("stores a build with one task per chroot, skipped chroots final at once", async () => {
    await using s = await store();
    await s.projects.createProject("alice", "hello", ["fedora-40-x86_64", "epel-9-aarch64"]);
    const { build, tasks } = await s.builds.createBuild({
      owner: "alice", project: "hello", submittedBy: "alice", srpm,
      chroots: [{ chroot: "fedora-40-x86_64" }, { chroot: "epel-9-aarch64", skip: "ExclusiveArch: x86_64" }],
    });
    expect(tasks.map((t) => [t.id, t.arch, t.state])).toEqual([
      [`${build.id}-fedora-40-x86_64`, "x86_64", "pending"],
      [`${build.id}-epel-9-aarch64`, "aarch64", "skipped"],
    ]);
    expect((await s.builds.getBuild(build.id))?.taskIds).toEqual(build.taskIds);
    expect((await s.builds.getTask(build.taskIds[1] ?? ""))?.reason).toBe("ExclusiveArch: x86_64");
    expect(await s.builds.listBuildIds({ owner: "alice", project: "hello" })).toEqual([build.id]);
    expect(await s.builds.activeTaskIds()).toEqual([`${build.id}-fedora-40-x86_64`]);
  });

  it("finds projects by a prefix of owner, name or package, case-insensitively, from its index", async () => {
    await using s = await store();
    await s.projects.createProject("alice", "hello", ["fedora-40-x86_64"]);
    await s.projects.createProject("alice", "tools", ["fedora-40-x86_64"]);
    await s.projects.createProject("bob", "Hello-Extras", ["fedora-40-x86_64"]);
    const build = (owner: string, project: string, name: string) =>
      s.builds.createBuild({ owner, project, submittedBy: owner, srpm: { ...srpm, name }, chroots: [{ chroot: "fedora-40-x86_64" }] });
    await build("alice", "tools", "ripgrep");
    await build("alice", "tools", "fd-find");
    await build("alice", "tools", "ripgrep");
    await build("bob", "Hello-Extras", "python3-requests");
    const ids = async (q: string, limit?: number) => (await s.projects.searchProjects(q, limit)).map((p) => `${p.owner}/${p.name}`).sort();
    expect(await ids("rip")).toEqual(["alice/tools"]);
    expect(await ids("HELLO")).toEqual(["alice/hello", "bob/Hello-Extras"]);
    expect(await ids("alice")).toEqual(["alice/hello", "alice/tools"]);
    expect(await ids("bob/hel")).toEqual(["bob/Hello-Extras"]);
    expect(await ids("python3-")).toEqual(["bob/Hello-Extras"]);
    expect(await ids("requests")).toEqual([]);
    expect(await ids("alice", 1)).toHaveLength(1);
    expect(await ids("  ")).toHaveLength(3);
    // Packages of a project, newest build first, each once, with that build.
    expect(await s.projects.projectPackages("alice", "tools")).toEqual(["ripgrep", "fd-find"]);
    expect(await s.projects.projectPackageBuilds("alice", "tools")).toEqual([{ name: "ripgrep", buildId: 3 }, { name: "fd-find", buildId: 2 }]);
    // Build lists page by the last id shown.
    expect(await s.builds.listBuildIds({ limit: 3 })).toEqual([4, 3, 2]);
    expect(await s.builds.listBuildIds({ limit: 3, before: 2 })).toEqual([1]);
    expect(await s.builds.listBuildIds({ owner: "alice", project: "tools", limit: 1, before: 3 })).toEqual([2]);
  });

  it("moves tasks only along allowed transitions and on the expected attempt", async () => {
    await using s = await store();
    const { tasks } = await s.builds.createBuild({ owner: "a", project: "p", submittedBy: "a", srpm, chroots: [{ chroot: "fedora-40-x86_64" }] });
    const id = tasks[0]?.id ?? "";
    expect(await s.builds.transitionTask(id, "starting", { agent: "v:p:w1", hosts: ["v:p:w1"] }, 0)).toBe("pending");
    expect(await s.builds.transitionTask(id, "running", {}, 0)).toBe("starting");
    // A stale signal from another attempt changes nothing.
    await expect(s.builds.transitionTask(id, "publishing", {}, 1)).rejects.toMatchObject({ code: "REFUSED_TRANSITION" });
    // A built task succeeds only through publishing (signed, in the repository).
    await expect(s.builds.transitionTask(id, "succeeded", {}, 0)).rejects.toMatchObject({ code: "REFUSED_TRANSITION" });
    await s.builds.transitionTask(id, "publishing", {}, 0);
    expect(await s.builds.activeTaskIds()).toEqual([id]);
    await s.builds.transitionTask(id, "succeeded", { endedAt: 5 }, 0);
    const err = await s.builds.transitionTask(id, "running").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe("REFUSED_TRANSITION");
    const t = await s.builds.getTask(id);
    expect([t?.state, t?.agent, t?.hosts, t?.endedAt]).toEqual(["succeeded", "v:p:w1", ["v:p:w1"], 5]);
    // Final tasks leave the active set; every move is an event of the build.
    expect(await s.builds.activeTaskIds()).toEqual([]);
    const events = await s.builds.readBuildEvents(tasks[0]?.buildId ?? 0);
    expect(events.map((e) => e.to)).toEqual(["created", "starting", "running", "publishing", "succeeded"]);
    expect(events[1]).toMatchObject({ task: id, from: "pending", to: "starting" });
    const last = events[3]?.id ?? "0";
    expect((await s.builds.readBuildEvents(tasks[0]?.buildId ?? 0, last)).map((e) => e.to)).toEqual(["succeeded"]);
  });

  it("keeps a live log that can be followed from any offset", async () => {
    await using s = await store();
    const a = await s.logs.appendLog("1-f", 0, ["one", "two"]);
    await s.logs.appendLog("1-f", 0, ["three"]);
    expect((await s.logs.readLog("1-f")).flatMap((e) => e.lines)).toEqual(["one", "two", "three"]);
    expect((await s.logs.readLog("1-f", a)).flatMap((e) => e.lines)).toEqual(["three"]);
  });

  it("drops log batches delivered twice, and the already stored part of an overlapping one", async () => {
    await using s = await store();
    await s.logs.appendLog("2-f", 0, ["a", "b"], 0);
    expect(await s.logs.appendLog("2-f", 0, ["a", "b"], 0)).toBe("");
    await s.logs.appendLog("2-f", 0, ["b", "c", "ünï/ \"q\""], 1);
    // Another attempt counts its own lines.
    await s.logs.appendLog("2-f", 1, ["a"], 0);
    const entries = await s.logs.readLog("2-f");
    expect(entries.map((e) => [e.attempt, e.lines])).toEqual([[0, ["a", "b"]], [0, ["c", "ünï/ \"q\""]], [1, ["a"]]]);
  });

  it("refuses a log batch that starts past the lines stored, and keeps taking the real next one", async () => {
    await using s = await store();
    await s.logs.appendLog("3-f", 0, ["a", "b"], 0);
    await expect(s.logs.appendLog("3-f", 0, ["forged"], 1e9)).rejects.toMatchObject({ code: "LOG_GAP" });
    await expect(s.logs.appendLog("3-f", 0, ["skipped one"], 3)).rejects.toMatchObject({ code: "LOG_GAP" });
    await s.logs.appendLog("3-f", 0, ["c"], 2);
    expect((await s.logs.readLog("3-f")).flatMap((e) => e.lines)).toEqual(["a", "b", "c"]);
  });

  it("registers workers with a token and can drain and remove them", async () => {
    await using s = await store();
    const { token } = await s.workers.addWorker("fedoraproject:copr-worker:w1");
    expect((await s.workers.authenticateWorker(token))?.name).toBe("fedoraproject:copr-worker:w1");
    expect((await s.workers.setWorkerDrain("fedoraproject:copr-worker:w1", true)).drain).toBe(true);
    await s.workers.removeWorker("fedoraproject:copr-worker:w1");
    expect(await s.workers.authenticateWorker(token)).toBeNull();
    await expect(s.workers.removeWorker("nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("keeps an hour of per-minute history: pending carried forward, ended counted in its minute", async () => {
    await using s = await store();
    const srpm = { name: "p", epoch: null, version: "1", release: "1", sha256: "ab".repeat(32), size: 1, file: "x" };
    const { tasks } = await s.builds.createBuild({ owner: "alice", project: "p", submittedBy: "alice", srpm, chroots: [{ chroot: "fedora-40-x86_64" }, { chroot: "epel-9-x86_64" }, { chroot: "fedora-41-x86_64" }] });
    const [a, b] = tasks;
    await s.builds.transitionTask(a?.id ?? "", "starting", { agent: "x:y:z" }, 0);
    await s.builds.transitionTask(a?.id ?? "", "canceled", {}, 0);
    await s.builds.transitionTask(b?.id ?? "", "canceled", {});
    const now = Date.now();
    const hour = await s.status.history(now, 60);
    expect(hour).toHaveLength(60);
    // (The moves may straddle a minute boundary: the ended ones are counted in the minutes they happened.)
    expect([hour.at(-1)?.minute, hour.at(-1)?.pending, hour.reduce((n, p) => n + p.ended, 0)]).toEqual([Math.floor(now / 60_000) * 60_000, 1, 2]);
    // Five minutes later with no move: the pending count carries on, the ended ones stay in their minutes.
    const later = await s.status.history(now + 5 * 60_000, 60);
    expect(later.slice(-5).map((p) => [p.pending, p.ended])).toEqual([[1, 0], [1, 0], [1, 0], [1, 0], [1, 0]]);
    expect(later.reduce((n, p) => n + p.ended, 0)).toBe(2);
  });

  it("keeps status counts and pages per owner, arch and chroot without scanning", async () => {
    await using s = await store();
    const a = await s.builds.createBuild({ owner: "alice", project: "p", submittedBy: "alice", srpm, chroots: [{ chroot: "fedora-40-x86_64" }, { chroot: "fedora-40-aarch64" }] });
    await s.builds.createBuild({ owner: "bob", project: "p", submittedBy: "bob", srpm, chroots: [{ chroot: "fedora-40-x86_64" }, { chroot: "epel-9-s390x", skip: "ExcludeArch" }] });
    let pending = await s.status.statusCounts("pending");
    expect(pending).toEqual({ total: 3, byOwner: { alice: 2, bob: 1 }, byArch: { x86_64: 2, aarch64: 1 }, byChroot: { "fedora-40-x86_64": 2, "fedora-40-aarch64": 1 } });
    const first = a.tasks[0]?.id ?? "";
    await s.builds.transitionTask(first, "starting", { agent: "v:p:w" }, 0);
    await s.builds.transitionTask(first, "running", {}, 0);
    pending = await s.status.statusCounts("pending");
    const running = await s.status.statusCounts("running");
    expect([pending.total, pending.byOwner]).toEqual([2, { alice: 1, bob: 1 }]);
    expect([running.total, running.byArch]).toEqual([1, { x86_64: 1 }]);
    const page = await s.status.statusTasks("pending", { group: { dim: "owner", value: "alice" } });
    expect([page.total, page.tasks.map((t) => t.chroot)]).toEqual([1, ["fedora-40-aarch64"]]);
    await s.builds.transitionTask(first, "publishing", {}, 0);
    await s.builds.transitionTask(first, "succeeded", {}, 0);
    expect((await s.status.statusCounts("running")).total).toBe(0);
    expect((await s.status.statusTasks("pending", { offset: 1, limit: 1 })).tasks).toHaveLength(1);
  });
});

describe("Redis ACL users (infra/redis/users.acl)", () => {
  it("lets nobody in without a user, and keeps a component to its keys and away from admin commands", async () => {
    const services = inject("services");
    await using ns = await redisNamespace(services);
    // Reaching the port is not enough: the default user is off, and a wrong password is refused.
    const url = new URL(ns.urls.headhunter);
    const raw = (line: string) => new Promise<string>((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port) }, () => socket.write(`${line}\r\n`));
      socket.setEncoding("utf8");
      socket.once("data", (text: string) => {
        socket.destroy();
        resolve(text);
      });
      socket.once("error", reject);
    });
    expect(await raw("GET copr:x")).toMatch(/^-NOAUTH/);
    expect(await raw("AUTH headhunter not-the-password")).toMatch(/^-WRONGPASS/);
    for (const user of ["headhunter", "copr-web"] as const) {
      const r = new Redis(ns.urls[user], { maxRetriesPerRequest: 0 });
      try {
        await expect(r.set(`${ns.keyPrefix}acl-probe`, user)).resolves.toBe("OK");
        await expect(r.set("elsewhere:x", "1")).rejects.toThrow(/NOPERM/);
        for (const command of [["flushall"], ["config", "get", "*"], ["keys", "*"], ["acl", "list"], ["client", "list"], ["slowlog", "get"]]) {
          await expect(r.call(command[0] as string, ...command.slice(1)), `${user}: ${command.join(" ")}`).rejects.toThrow(/NOPERM/);
        }
      } finally {
        r.disconnect();
      }
    }
  });
});
