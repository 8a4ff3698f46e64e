import { describe, expect, it } from "vitest";
import { until } from "@copr/testkit";
import { headhunterFixture } from "./harness.ts";

describe("publishing a built task: signed, then its repository regenerated, then succeeded", () => {
  it("signs a task's packages before its repository is regenerated, frees the builder slot meanwhile, and succeeds after", async () => {
    await using f = await headhunterFixture();
    const builder = await f.worker("fedoraproject:copr-worker:builder", { slots: 1, publishes: false });
    await f.store.projects.createProject("alice", "hello", ["fedora-40-x86_64"]);
    const { build, tasks } = await f.submit(["fedora-40-x86_64"]);
    const id = tasks[0]?.id ?? "";
    await until(() => builder.builds.length === 1, 20_000, "build call");
    await builder.report(id, 0, "running");
    await builder.report(id, 0, "succeeded");
    await until(async () => (await f.store.builds.getTask(id))?.state === "publishing", 10_000, "publishing");
    // No signer yet: the task waits (the builder's slot is already free for the next build).
    expect(f.hh.pool.free(builder.agent.name)).toBe(1);
    const { tasks: next } = await f.submit(["fedora-40-x86_64"]);
    await until(() => builder.builds.some((b) => b.task_id === next[0]?.id), 20_000, "the next build on the freed slot");
    expect((await f.store.builds.getTask(id))?.state).toBe("publishing");

    const signer = await f.worker("fedoraproject:copr-signer:s1", { slots: 0 });
    await until(async () => (await f.store.builds.getTask(id))?.state === "succeeded", 20_000, "succeeded once signed and published");
    expect(signer.signCalls).toEqual([`${String(build.id).padStart(8, "0")}-hello`]);
    expect(signer.createrepoCalls).toBe(1);
    const project = await f.store.projects.getProject("alice", "hello");
    expect(project).toMatchObject({ signingKey: "F".repeat(40), diskBytes: 100 });
    expect((await f.store.builds.getTask(id))?.endedAt).toBeGreaterThan(0);
  });

  it("retries a signing job on another signer when the first is lost mid-call, and never loses it", async () => {
    await using f = await headhunterFixture();
    const hung = await f.worker("fedoraproject:copr-signer:hung", { slots: 1, holdSign: true });
    const { tasks } = await f.submit(["fedora-40-x86_64"]);
    const id = tasks[0]?.id ?? "";
    await until(() => hung.builds.length === 1, 20_000, "build call");
    await hung.report(id, 0, "succeeded");
    await until(() => hung.signCalls.length === 1, 20_000, "the sign call on the hung signer");
    const healthy = await f.worker("fedoraproject:copr-signer:healthy", { slots: 0 });
    // Killed: no heartbeats any more; Headhunter loses it after 3 intervals and gives up the call at once.
    await hung.kill();
    await until(async () => (await f.store.builds.getTask(id))?.state === "succeeded", 30_000, "succeeded through the other signer");
    expect(healthy.signCalls).toHaveLength(1);
  });

  it("fails the task with the reason when its packages cannot be signed", async () => {
    await using f = await headhunterFixture();
    const w = await f.worker("fedoraproject:copr-worker:w1", { signError: "NO_PACKAGES" });
    const { tasks } = await f.submit(["fedora-40-x86_64"]);
    const id = tasks[0]?.id ?? "";
    await until(() => w.builds.length === 1, 20_000, "build call");
    await w.report(id, 0, "succeeded");
    await until(async () => (await f.store.builds.getTask(id))?.state === "failed", 20_000, "failed");
    expect((await f.store.builds.getTask(id))?.reason).toMatch(/could not be signed: .*NO_PACKAGES/);
    // Not retried: a build that uploaded nothing fails the same way again.
    expect(w.signCalls).toHaveLength(1);
    expect(w.createrepoCalls).toBe(0);
  });

  it("makes a new project's key when copr-web asks, and records its fingerprint", async () => {
    await using f = await headhunterFixture();
    const signer = await f.worker("fedoraproject:copr-signer:s1", { slots: 0 });
    await f.store.projects.createProject("bob", "tools", ["fedora-40-x86_64"]);
    await f.queues.control({ kind: "make-key", owner: "bob", project: "tools" });
    await until(async () => (await f.store.projects.getProject("bob", "tools"))?.signingKey !== undefined, 20_000, "the key's fingerprint");
    expect(signer.keyCalls).toEqual(["bob/tools"]);
  });
});
