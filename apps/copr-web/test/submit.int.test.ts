import { createHash } from "node:crypto";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rpmbuild } from "@copr/testkit";
import { helloSpec, webFixture } from "./fixtures.ts";

const spec = helloSpec;

/** Task ids in the scheduler's inbox, in order: what Headhunter will queue. */
async function queued(f: Awaited<ReturnType<typeof webFixture>>): Promise<string[]> {
  const entries = await f.web.store.redis.xrange(f.web.store.keys.schedInbox(), "-", "+");
  return entries.flatMap(([, kv]) => (kv[0] === "task" && kv[1] !== undefined ? [kv[1]] : []));
}

describe("copr-web: submitting an SRPM", () => {
  it("stores the build, one task per chroot, and queues them before answering 201", async () => {
    await using f = await webFixture();
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64", "epel-9-aarch64"] });
    const srpm = await readFile(await rpmbuild(spec()));
    const res = await f.upload(f.aliceToken, "alice", "hello", srpm);
    expect(res.status).toBe(201);
    const view = (await res.json()) as { build: { id: number; srpm: { name: string; version: string } }; tasks: { chroot: string; state: string }[]; state: string };
    expect(view.build.srpm).toMatchObject({ name: "hello", version: "1.0" });
    expect(view.tasks.map((t) => [t.chroot, t.state])).toEqual([["fedora-40-x86_64", "pending"], ["epel-9-aarch64", "pending"]]);
    expect(view.state).toBe("pending");
    expect((await queued(f)).length).toBe(2);
    const again = await f.anonymous.builds.get.query({ id: view.build.id });
    expect(again.tasks).toHaveLength(2);
  });

  it("resubmits a build's stored SRPM as a new build: all chroots, chosen ones, or only the failed ones", async () => {
    await using f = await webFixture();
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64", "epel-9-x86_64", "fedora-40-aarch64"] });
    const srpm = await readFile(await rpmbuild(spec("ExcludeArch: aarch64")));
    const res = await f.upload(f.aliceToken, "alice", "hello", srpm, [], { timeout: "600" });
    const first = ((await res.json()) as { build: { id: number; taskIds: string[]; srpm: { sha256: string } } }).build;
    const [fedora, epel] = first.taskIds as [string, string, string];
    await f.web.store.builds.transitionTask(fedora, "starting", { agent: "a:b:c" }, 0);
    await f.web.store.builds.transitionTask(fedora, "running", {}, 0);
    await f.web.store.builds.transitionTask(fedora, "failed", { reason: "rpmbuild exited 1" }, 0);
    await f.web.store.builds.transitionTask(epel, "canceled", { reason: "canceled on request" });
    const before = (await queued(f)).length;

    const all = await f.alice.builds.resubmit.mutate({ id: first.id });
    expect(all.build).toMatchObject({ id: first.id + 1, srpm: { sha256: first.srpm.sha256 }, timeoutS: 600, submittedBy: "alice" });
    // The stored SRPM is read again: its ExcludeArch still skips aarch64.
    expect(all.tasks.map((t) => [t.chroot, t.state])).toEqual([["fedora-40-x86_64", "pending"], ["epel-9-x86_64", "pending"], ["fedora-40-aarch64", "skipped"]]);
    expect((await queued(f)).length).toBe(before + 2);

    const failed = await f.alice.builds.resubmit.mutate({ id: first.id, onlyFailed: true, timeoutS: 60 });
    expect(failed.tasks.map((t) => t.chroot)).toEqual(["fedora-40-x86_64", "epel-9-x86_64"]);
    expect(failed.build.timeoutS).toBe(60);
    const chosen = await f.alice.builds.resubmit.mutate({ id: first.id, chroots: ["epel-9-x86_64"] });
    expect(chosen.tasks.map((t) => t.chroot)).toEqual(["epel-9-x86_64"]);

    // Refusals change nothing.
    const count = (await f.web.store.builds.listBuildIds()).length;
    await expect(f.alice.builds.resubmit.mutate({ id: all.build.id, onlyFailed: true })).rejects.toThrow(/no failed or canceled chroot/);
    await expect(f.alice.builds.resubmit.mutate({ id: first.id, chroots: ["fedora-41-x86_64"] })).rejects.toThrow(/has no chroot fedora-41-x86_64/);
    await expect(f.alice.builds.resubmit.mutate({ id: 9999 })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
    const bob = await f.web.store.accounts.createUser("bob");
    await expect(f.client(bob.token).builds.resubmit.mutate({ id: first.id })).rejects.toMatchObject({ data: { code: "FORBIDDEN" } });
    await expect(f.anonymous.builds.resubmit.mutate({ id: first.id })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    expect(await f.web.store.builds.listBuildIds()).toHaveLength(count);
  });

  it("skips chroots the spec's ExclusiveArch rules out, with the reason", async () => {
    await using f = await webFixture();
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64", "fedora-40-aarch64"] });
    const srpm = await readFile(await rpmbuild(spec().replace("BuildArch: noarch", "ExclusiveArch: x86_64")));
    const res = await f.upload(f.aliceToken, "alice", "hello", srpm);
    const view = (await res.json()) as { tasks: { chroot: string; state: string; reason: string | null }[] };
    expect(view.tasks.find((t) => t.chroot === "fedora-40-aarch64")).toMatchObject({ state: "skipped" });
    expect(view.tasks.find((t) => t.chroot === "fedora-40-aarch64")?.reason).toMatch(/ExclusiveArch/);
    expect((await queued(f)).length).toBe(1);
  });

  it("refuses a non-RPM, a binary RPM, a truncated SRPM and an oversized file with a clear 4xx, leaving nothing behind", async () => {
    await using f = await webFixture();
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    const srpm = await readFile(await rpmbuild(spec()));
    const binary = await readFile(await rpmbuild(spec(), "-bb"));
    const cases: [string, Buffer, number, string][] = [
      ["text", Buffer.from("#!/bin/sh\necho not an rpm\n".repeat(20)), 422, "NOT_RPM"],
      ["binary", binary, 422, "NOT_SOURCE"],
      ["truncated", srpm.subarray(0, 300), 422, "TRUNCATED"],
      ["empty", Buffer.alloc(0), 400, "EMPTY"],
      ["too large", Buffer.alloc(3 * 1024 * 1024, 1), 413, "TOO_LARGE"],
    ];
    for (const [what, body, status, code] of cases) {
      const res = await f.upload(f.aliceToken, "alice", "hello", body);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect([what, res.status, json.error.code]).toEqual([what, status, code]);
      expect(json.error.message.length).toBeGreaterThan(10);
    }
    expect(await f.web.store.builds.listBuildIds()).toEqual([]);
    expect(await queued(f)).toEqual([]);
    expect(await readdir(join(f.dataDir, "srpms"))).toEqual([]);
  });

  it("needs a token, the owner's project and a known chroot", async () => {
    await using f = await webFixture();
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    const srpm = await readFile(await rpmbuild(spec()));
    expect((await f.upload(undefined, "alice", "hello", srpm)).status).toBe(401);
    expect((await f.upload(f.aliceToken, "alice", "nope", srpm)).status).toBe(404);
    expect((await f.upload(f.aliceToken, "alice", "hello", srpm, ["epel-9-s390x"])).status).toBe(400);
    for (const timeout of ["0", "1.5", "abc", "108001"]) {
      const res = await f.upload(f.aliceToken, "alice", "hello", srpm, [], { timeout });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("INVALID_TIMEOUT");
      expect(error.message).toMatch(/whole seconds from 1 to 108000/);
    }
    const bob = await f.web.store.accounts.createUser("bob");
    expect((await f.upload(bob.token, "alice", "hello", srpm)).status).toBe(403);
    await expect(f.alice.projects.create.mutate({ name: "x", chroots: ["plan9-1-mips"] })).rejects.toThrow(/unknown chroot/);
    await expect(f.anonymous.projects.create.mutate({ name: "x", chroots: ["fedora-40-x86_64"] })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    expect(await f.web.store.builds.listBuildIds()).toEqual([]);
  });

  it("lets only admins manage workers, and only owners or admins cancel", async () => {
    await using f = await webFixture();
    await expect(f.alice.workers.add.mutate({ name: "fedoraproject:copr-worker:w1" })).rejects.toMatchObject({ data: { code: "FORBIDDEN" } });
    // Registered directly: adding through the API also creates a broker user (cli.int.test.ts covers that).
    const { token } = await f.web.store.workers.addWorker("fedoraproject:copr-worker:w1");
    expect(token).toMatch(/^copr_w_/);
    expect((await f.anonymous.workers.list.query()).map((w) => w.name)).toEqual(["fedoraproject:copr-worker:w1"]);
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    const res = await f.upload(f.aliceToken, "alice", "hello", await readFile(await rpmbuild(spec())));
    const { build } = (await res.json()) as { build: { id: number } };
    const bob = await f.web.store.accounts.createUser("bob");
    const bobClient = f.client(bob.token);
    await expect(bobClient.builds.cancel.mutate({ id: build.id })).rejects.toMatchObject({ data: { code: "FORBIDDEN" } });
    await expect(f.alice.builds.cancel.mutate({ id: build.id })).resolves.toEqual({ requested: true });
    // The SRPM download is for workers only.
    expect((await fetch(`${f.web.url}/api/srpm/${build.id}`, { headers: { authorization: `Bearer ${f.aliceToken}` } })).status).toBe(401);
    const dl = await fetch(`${f.web.url}/api/srpm/${build.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(dl.status).toBe(200);
    expect(dl.headers.get("x-checksum-sha256")).toMatch(/^[0-9a-f]{64}$/);
    await writeFile(join(f.dataDir, "dl.rpm"), Buffer.from(await dl.arrayBuffer()));
  });
});

describe("copr-web: bad requests", () => {
  it("answers malformed URLs and ids with 400 and a code, never 500, and keeps stacks out of error bodies", async () => {
    await using f = await webFixture();
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    for (const path of ["/results/%", "/results/alice/%E0%A4%A", "/repos/%/hello/fedora-40-x86_64.repo"]) {
      const res = await fetch(`${f.web.url}${path}`);
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "INVALID_URL" } });
    }
    const upload = await fetch(`${f.web.url}/api/projects/alice/hel%lo/builds`, { method: "POST", headers: { authorization: `Bearer ${f.aliceToken}` }, body: "x" });
    expect(upload.status).toBe(400);
    const net = await f.upload(f.aliceToken, "alice", "hello", Buffer.from("x"), [], { enable_net: "maybe" });
    expect(net.status).toBe(400);
    expect(await net.json()).toMatchObject({ error: { code: "INVALID_ARGUMENT" } });

    const log = await fetch(`${f.web.url}/trpc/builds.log?input=${encodeURIComponent(JSON.stringify({ taskId: "1-fedora-40-x86_64", after: "not-an-id" }))}`);
    expect(log.status).toBe(400);
    const body = JSON.stringify(await log.json());
    expect(body).not.toMatch(/stack|\.ts:\d+/);
    expect(body).toContain("a log entry id");
  });
});

describe("copr-web: result uploads", () => {
  it("takes a result only from the worker of the task's current attempt, and only while it runs", async () => {
    await using f = await webFixture();
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    const res = await f.upload(f.aliceToken, "alice", "hello", await readFile(await rpmbuild(spec())));
    const taskId = ((await res.json()) as { tasks: { id: string }[] }).tasks[0]?.id ?? "";
    const w1 = await f.web.store.workers.addWorker("fedoraproject:copr-worker:w1");
    const w2 = await f.web.store.workers.addWorker("fedoraproject:copr-worker:w2");
    // A package this build's SRPM produced: hello's own binary RPM.
    const own = await readFile(await rpmbuild(spec(), "-bb"));
    const put = async (token: string, attempt: number, name = "hello-1.0-1.noarch.rpm", body: Buffer = own): Promise<{ status: number; code?: string }> => {
      const r = await fetch(`${f.web.url}/api/results/${taskId}/${attempt}/${name}`, {
        method: "PUT", body,
        headers: { authorization: `Bearer ${token}`, "x-checksum-sha256": createHash("sha256").update(body).digest("hex") },
      });
      const json = (await r.json()) as { error?: { code: string } };
      return { status: r.status, ...(json.error === undefined ? {} : { code: json.error.code }) };
    };
    await f.web.store.builds.transitionTask(taskId, "starting", { agent: w1.worker.name, hosts: [w1.worker.name], startedAt: Date.now() }, 0);
    expect(await put(w1.token, 0)).toEqual({ status: 409, code: "NOT_RUNNING" });
    await f.web.store.builds.transitionTask(taskId, "running", {}, 0);
    expect(await put(w2.token, 0)).toEqual({ status: 409, code: "NOT_YOUR_TASK" });
    expect(await put(w1.token, 1)).toEqual({ status: 409, code: "NOT_YOUR_TASK" });
    // Only packages built from this build's SRPM: not another package, not another version, not a file that is no RPM.
    const other = await readFile(await rpmbuild(spec().replace("Name: hello", "Name: intruder"), "-bb"));
    const newer = await readFile(await rpmbuild(spec().replace("Version: 1.0", "Version: 9.9"), "-bs"));
    expect(await put(w1.token, 0, "intruder-1.0-1.noarch.rpm", other)).toEqual({ status: 422, code: "FOREIGN_PACKAGE" });
    expect(await put(w1.token, 0, "hello-9.9-1.src.rpm", newer)).toEqual({ status: 422, code: "FOREIGN_PACKAGE" });
    expect(await put(w1.token, 0, "hello-1.0-1.noarch.rpm", Buffer.from("not really an rpm, but checksummed"))).toEqual({ status: 422, code: "NOT_RPM" });
    expect(await put(w1.token, 0)).toEqual({ status: 201 });
    const source = await readFile(await rpmbuild(spec()));
    expect(await put(w1.token, 0, "hello-1.0-1.src.rpm", source)).toEqual({ status: 201 });
    // The project's disk use counts each file once, also when it is sent again.
    expect(await put(w1.token, 0)).toEqual({ status: 201 });
    expect((await f.web.store.projects.getProject("alice", "hello"))?.diskBytes).toBe(own.length + source.length);
    await f.web.store.builds.transitionTask(taskId, "publishing", {}, 0);
    await f.web.store.builds.transitionTask(taskId, "succeeded", { endedAt: Date.now() }, 0);
    // Published: the worker that ran it cannot replace its results any more.
    expect(await put(w1.token, 0)).toEqual({ status: 409, code: "NOT_RUNNING" });
  });

  it("takes background and batch options, and refuses a batch that cannot be, changing nothing", async () => {
    await using f = await webFixture();
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    await f.root.projects.create.mutate({ name: "other", chroots: ["fedora-40-x86_64"] });
    const srpm = await readFile(await rpmbuild(spec()));
    const submit = async (extra: Record<string, string>, owner = "alice", project = "hello", token = f.aliceToken) => {
      const res = await f.upload(token, owner, project, srpm, [], extra);
      const body = (await res.json()) as { build?: { id: number; background?: boolean }; tasks?: { background?: boolean }[]; error?: { code: string; message: string } };
      return { status: res.status, ...body };
    };
    const first = await submit({ background: "on" });
    expect(first.status).toBe(201);
    expect(first.build?.background).toBe(true);
    expect(first.tasks?.[0]?.background).toBe(true);
    const firstId = first.build?.id ?? 0;
    expect((await submit({ with_build_id: String(firstId) })).status).toBe(201);
    expect((await submit({ after_build_id: String(firstId) })).status).toBe(201);
    const queuedBefore = (await queued(f)).length;
    const refusals = [
      await submit({ after_build_id: "999" }),
      await submit({ after_build_id: String(firstId), with_build_id: String(firstId) }),
      await submit({ after_build_id: "x1" }),
      await submit({ after_build_id: String(firstId) }, "root", "other", f.rootToken),
    ];
    expect(refusals.map((r) => [r.status, r.error?.code])).toEqual([[404, "NOT_FOUND"], [400, "BATCH_REFUSED"], [400, "INVALID_ARGUMENT"], [400, "BATCH_REFUSED"]]);
    expect(refusals[3]?.error?.message).toMatch(/alice's/);
    // A finished batch takes no more builds, and nothing starts after a failed one.
    const [taskId] = (await f.web.store.builds.getBuild(firstId))?.taskIds ?? [];
    await f.web.store.builds.transitionTask(taskId ?? "", "canceled", { reason: "canceled by alice" });
    const batchTasks = await f.web.store.batches.builds((await f.web.store.batches.batchOf(firstId)) ?? 0);
    for (const b of batchTasks.filter((b) => b !== firstId)) {
      for (const t of (await f.web.store.builds.getBuild(b))?.taskIds ?? []) await f.web.store.builds.transitionTask(t, "canceled", { reason: "x" });
    }
    const late = await submit({ with_build_id: String(firstId) });
    expect([late.status, late.error?.code]).toEqual([400, "BATCH_REFUSED"]);
    const afterFailed = await submit({ after_build_id: String(firstId) });
    expect([afterFailed.status, afterFailed.error?.message]).toEqual([400, expect.stringMatching(/was canceled: nothing would ever start after it/)]);
    expect((await queued(f)).length).toBe(queuedBefore);
  });
});
