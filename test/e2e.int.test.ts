import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Signals, coprBuildDomain, coprChrootDomain, repoDomain } from "@copr/bus";
import { chrootDir, readPrimary } from "@copr/repo";
import { until } from "@copr/testkit";
import { helloSpec, startStack, waitForRelease } from "./stack.ts";

const run = promisify(execFile);


describe("end to end: SRPM → Headhunter → worker over SSH → dnf repository", () => {
  it("builds the package, publishes it in the repository and announces it in order", async () => {
    await using s = await startStack();
    const sub = await s.subscriber();
    const seen: string[] = [];
    const subs = [
      new Signals(sub).subscribe(coprChrootDomain, { start: () => void seen.push("copr.chroot.start") }),
      new Signals(sub).subscribe(coprBuildDomain, { start: () => void seen.push("copr.build.start"), end: (p) => void seen.push(`copr.build.end:${p.status}`) }),
      new Signals(sub).subscribe(repoDomain, { updated: (p) => void seen.push(`repo.updated:${p.path}`) }),
    ];
    await Promise.all(subs.map((x) => x.ready));
    await s.worker("fedoraproject:copr-worker:w1");
    const id = await s.submit(helloSpec());
    const [task] = await s.waitFinal(id);
    expect(task).toMatchObject({ state: "succeeded", attempt: 0 });
    expect(task?.builder).toMatch(new RegExp(`^builder-\\d+ \\(${s.sshd.user}@127\\.0\\.0\\.1\\)$`));
    await until(() => seen.some((x) => x.startsWith("repo.updated")), 30_000, "repo.updated");
    expect(seen).toEqual(["copr.chroot.start", "copr.build.start", "copr.build.end:1", "repo.updated:alice/hello/fedora-40-x86_64"]);
    const packages = await readPrimary(chrootDir(s.resultsDir, { owner: "alice", project: "hello", chroot: "fedora-40-x86_64" }));
    expect(packages.map((p) => `${p.name}.${p.arch}`).sort()).toEqual(["hello.noarch", "hello.src"]);
    const dir = join(s.resultsDir, "alice/hello/fedora-40-x86_64", `${String(id).padStart(8, "0")}-hello`);
    expect((await readdir(dir)).sort()).toEqual(["builder-live.log.gz", "hello-1.0-1.noarch.rpm", "hello-1.0-1.src.rpm"]);
    const stored = gunzipSync(await readFile(join(dir, "builder-live.log.gz"))).toString("utf8");
    expect(stored).toMatch(/\nWrote: .*hello-1\.0-1\.noarch\.rpm\n/);
    expect(stored.trimEnd().split("\n").at(-1)).toBe("copr-worker: succeeded");
    const log = (await s.web.store.logs.readLog(task?.id ?? "")).flatMap((e) => e.lines).join("\n");
    expect(log).toMatch(/copr-worker: sandbox: bubblewrap .*; network off; limits: /);
    expect(log).toMatch(/running rpmbuild --rebuild --nodeps in the sandbox instead/);
    expect(log).toMatch(/Wrote: .*hello-1\.0-1\.noarch\.rpm/);
    // The live log and the build's events leave Redis a day after the end (they are in builder-live.log.gz).
    // (Headhunter sets the expiry just after the task's final move: wait for it.)
    for (const key of [s.web.store.keys.taskLog(task?.id ?? ""), s.web.store.keys.buildEvents(id)]) {
      await until(async () => (await s.web.store.redis.ttl(key)) > 0, 30_000, `an expiry on ${key}`);
      expect(await s.web.store.redis.ttl(key)).toBeGreaterThan(86_000);
    }
    const repoFile = await (await fetch(`${s.web.url}/repos/alice/hello/fedora-40-x86_64.repo`)).text();
    expect(repoFile).toContain(`baseurl=${s.web.url}/results/alice/hello/fedora-40-x86_64/`);
    // Signed by the signer with the project's key, published at the URL the .repo file names.
    expect(repoFile).toMatch(/^gpgcheck=1$/m);
    expect(repoFile).toContain(`gpgkey=${s.web.url}/results/alice/hello/pubkey.gpg\n`);
    const publicKey = await (await fetch(`${s.web.url}/results/alice/hello/pubkey.gpg`)).text();
    expect(publicKey).toContain("-----BEGIN PGP PUBLIC KEY BLOCK-----");
    const rpmdb = await mkdtemp(join(tmpdir(), "copr-rpmdb-"));
    await writeFile(join(rpmdb, "key.asc"), publicKey);
    await run("rpm", ["--dbpath", rpmdb, "--initdb"]);
    await run("rpm", ["--dbpath", rpmdb, "--import", join(rpmdb, "key.asc")]);
    for (const rpm of ["hello-1.0-1.noarch.rpm", "hello-1.0-1.src.rpm"]) {
      expect((await run("rpm", ["--dbpath", rpmdb, "-K", join(dir, rpm)])).stdout).toMatch(/digests signatures OK/);
    }
    const project = await s.web.store.projects.getProject("alice", "hello");
    expect(project?.signingKey).toMatch(/^[0-9A-F]{40}$/);
    // The signer's answer counted the signatures' bytes too.
    const onDisk = (await Promise.all((await readdir(dir)).map(async (f) => (await stat(join(dir, f))).size))).reduce((a, b) => a + b, 0);
    expect(project?.diskBytes).toBe(onDisk);
    for (const x of subs) x.close();
    await sub.close();
  });

  it("fails a spec that does not build, keeping the log", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1");
    const id = await s.submit(helloSpec("echo 'about to fail' && exit 3"));
    const [task] = await s.waitFinal(id);
    expect(task?.state).toBe("failed");
    expect(task?.reason).toMatch(/exited with code/);
    const log = (await s.web.store.logs.readLog(task?.id ?? "")).flatMap((e) => e.lines).join("\n");
    expect(log).toMatch(/about to fail/);
    const dir = join(s.resultsDir, "alice/hello/fedora-40-x86_64", `${String(id).padStart(8, "0")}-hello`);
    expect(await readdir(dir)).toContain("builder-live.log.gz");
  });

  it("cancels a long build and leaves no process on the builder host", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1");
    const id = await s.submit(helloSpec("echo started; sleep 317 & wait"));
    await until(async () => (await s.tasks(id))[0]?.state === "running", 30_000, "running");
    await until(async () => (await s.web.store.logs.readLog((await s.tasks(id))[0]?.id ?? "")).some((e) => e.lines.includes("started")), 30_000, "build output");
    await s.web.store.redis.ping();
    const { ControlQueue } = await import("@copr/queue");
    const { Redis } = await import("ioredis");
    const conn = new Redis(s.web.store.redis.options);
    const q = new ControlQueue({ connection: conn, prefix: s.web.store.keys.bullPrefix() });
    await q.control({ kind: "cancel-build", buildId: id, by: "alice" });
    const [task] = await s.waitFinal(id, 30_000);
    expect(task?.state).toBe("canceled");
    const left = await run("pgrep", ["-u", s.sshd.user, "-f", "sleep 317"]).then((r) => r.stdout.trim(), () => "");
    expect(left).toBe("");
    await q.close();
    conn.disconnect();
  });

  it("fails a build that runs past its own timeout and leaves no process on the builder host", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1");
    const id = await s.submit(helloSpec("echo started; sleep 319 & wait"), { timeoutS: 3 });
    const [task] = await s.waitFinal(id, 30_000);
    expect(task).toMatchObject({ state: "failed", reason: "build timed out after 3 s" });
    const log = (await s.web.store.logs.readLog(task?.id ?? "")).flatMap((e) => e.lines).join("\n");
    expect(log).toMatch(/started/);
    expect(log).toMatch(/copr-worker: failed \(build timed out after 3 s\)/);
    const left = await run("pgrep", ["-u", s.sshd.user, "-f", "sleep 319"]).then((r) => r.stdout.trim(), () => "");
    expect(left).toBe("");
  });

  it("fails the task with the reason when the builder host's key is not the pinned one", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1", { hostKeyFingerprint: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
    const id = await s.submit(helloSpec());
    const [task] = await s.waitFinal(id);
    expect(task?.state).toBe("failed");
    expect(task?.reason).toMatch(/host key|fingerprint/i);
  });

  it("finishes a build on a second worker when the first is killed mid-build", async () => {
    await using s = await startStack();
    const first = await s.spawnWorker("fedoraproject:copr-worker:w1");
    // The build waits for release(): attempt 0 is still running when w1 dies, whatever the machine's pace.
    const id = await s.submit(helloSpec(`echo started; ${waitForRelease}`));
    const taskId = `${id}-fedora-40-x86_64`;
    await until(async () => (await s.tasks(id))[0]?.state === "running", 30_000, "running on w1");
    await s.worker("fedoraproject:copr-worker:w2");
    first.kill(); // kill -9: no more heartbeats, no goodbye
    await until(async () => {
      const [t] = await s.tasks(id); // one read: state and attempt of the same moment
      return t?.state === "running" && t.attempt === 1;
    }, 60_000, "attempt 1 running on w2");
    await s.release(taskId, 1);
    const [task] = await s.waitFinal(id, 60_000);
    expect(task).toMatchObject({ state: "succeeded", attempt: 1, agent: "fedoraproject:copr-worker:w2" });
    expect(task?.hosts).toEqual(["fedoraproject:copr-worker:w1", "fedoraproject:copr-worker:w2"]);
  });
});
