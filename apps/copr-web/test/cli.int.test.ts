import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { BusConnection, parseBusConfig, silentLogger } from "@copr/bus";
import { ManagementClient, busNamespace, freePort, rpmbuild } from "@copr/testkit";
import { buildCli } from "../../../scripts/buildCli.ts";
import { helloSpec, webFixture } from "./fixtures.ts";

type Fixture = Awaited<ReturnType<typeof webFixture>>;

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The built `copr` command (package.json's bin), rebuilt once for this file so it matches the sources. */
let bin = "";
beforeAll(async () => {
  bin = await buildCli();
});

const spec = helloSpec();

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `copr ARGS…` as a child process, the way a user runs it. */
function copr(args: readonly string[]) {
  // Run as a user runs it: the file itself (its #! line finds node on PATH).
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}` };
  const child = spawn(bin, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      if (w.re.test(stdout)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.setEncoding("utf8").on("data", (s: string) => {
    stdout += s;
    check();
  });
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const done = new Promise<Finished>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
  return {
    done,
    /** Resolves once stdout matches `re`; fails if the process ends first. */
    async stdoutMatches(re: RegExp): Promise<void> {
      const seen = new Promise<void>((resolve) => {
        waiters.push({ re, resolve });
        check();
      });
      await Promise.race([seen, done.then((r) => Promise.reject(new Error(`copr ended (${r.code}) before printing ${re}:\n${r.stdout}\n${r.stderr}`)))]);
    },
  };
}

async function run(args: readonly string[]): Promise<Finished> {
  return await copr(args).done;
}

/** A config file in Copr's INI format, in a fresh temp dir. */
async function configFile(url: string, token: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "copr-cli-"));
  const path = join(dir, "copr");
  await writeFile(path, `# copr-cli config\n[copr-cli]\ncopr_url = ${url}\ntoken = ${token}\n`);
  return path;
}

let srpmPath = "";

/** A build of alice/hello in the given chroots, submitted over HTTP; returns its id. */
async function submitted(f: Fixture, chroots: string[]): Promise<number> {
  await f.alice.projects.create.mutate({ name: "hello", chroots });
  const res = await f.upload(f.aliceToken, "alice", "hello", await readFile(srpmPath));
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { build: { id: number } }).build.id;
}

/** Moves a task through starting and running to `final`, with one log line, as Headhunter would. */
async function finish(f: Fixture, taskId: string, final: "succeeded" | "failed"): Promise<void> {
  await f.web.store.builds.transitionTask(taskId, "starting", { agent: "a:b:c" }, 0);
  await f.web.store.builds.transitionTask(taskId, "running", {}, 0);
  await f.web.store.logs.appendLog(taskId, 0, [`building ${taskId}`]);
  if (final === "succeeded") await f.web.store.builds.transitionTask(taskId, "publishing", {}, 0);
  await f.web.store.builds.transitionTask(taskId, final, final === "failed" ? { reason: "rpmbuild exited 1" } : {}, 0);
}

/** A TCP proxy whose connections the test can cut. */
async function cuttableProxy(target: URL): Promise<{ url: string; cut(): void; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
  };
}

// The watch tests run concurrently: copr-web ends a watch up to 10 s after
// the last task became final (its blocking read times out), so each takes ~10 s.
describe("copr CLI", () => {
  beforeAll(async () => {
    srpmPath = await rpmbuild(spec);
  });

  it("creates a project, submits a real SRPM with --nowait and shows the pending chroots with status --json", async () => {
    await using f = await webFixture();
    const config = await configFile(f.web.url, f.aliceToken);
    const created = await run(["create", "hello", "--chroot", "fedora-40-x86_64", "--chroot", "epel-9-aarch64", "--config", config]);
    expect(created).toMatchObject({ code: 0 });
    expect(created.stdout).toMatch(/alice\/hello/);

    const built = await run(["build", "hello", srpmPath, "--nowait", "--config", config]);
    expect(built.code).toBe(0);
    const id = Number(/Created builds: (\d+)/.exec(built.stdout)?.[1]);
    expect(id).toBeGreaterThan(0);
    expect(built.stdout).toContain(`${f.web.url}/`);
    // stderr is a pipe here, not a TTY: no progress bar.
    expect(built.stderr).toBe("");

    const status = await run(["status", String(id), "--json", "--config", config]);
    expect(status.code).toBe(0);
    const view = JSON.parse(status.stdout) as { state: string; tasks: { chroot: string; state: string }[] };
    expect(view.state).toBe("pending");
    expect(view.tasks.map((t) => [t.chroot, t.state])).toEqual([["fedora-40-x86_64", "pending"], ["epel-9-aarch64", "pending"]]);

    // Without --nowait it watches; nothing builds here, so --watch-timeout gives up.
    const watched = await run(["build", "alice/hello", srpmPath, "--chroot", "epel-9-aarch64", "--watch-timeout", "1", "--config", config]);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/Created builds: \d+\n[^]*Watching build/);
    expect(watched.stderr).toMatch(/gave up watching build \d+ after 1 s; it keeps running/);
  });

  it("sets the build's own timeout with --timeout, as copr-cli does, and refuses one out of range before uploading", async () => {
    await using f = await webFixture();
    const config = await configFile(f.web.url, f.aliceToken);
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    const built = await run(["build", "hello", srpmPath, "--timeout", "90", "--nowait", "--config", config]);
    expect(built.code).toBe(0);
    const id = Number(/Created builds: (\d+)/.exec(built.stdout)?.[1]);
    expect((await f.web.store.builds.getBuild(id))?.timeoutS).toBe(90);
    const shown = await run(["status", String(id), "--config", config]);
    expect(shown.stdout).toMatch(/timeout +90 s per chroot/);
    const untimed = await run(["build", "hello", srpmPath, "--nowait", "--config", config]);
    const other = Number(/Created builds: (\d+)/.exec(untimed.stdout)?.[1]);
    expect((await f.web.store.builds.getBuild(other))?.timeoutS).toBe(18_000);
    for (const bad of ["0", "2h", "200000"]) {
      const refused = await run(["build", "hello", srpmPath, "--timeout", bad, "--nowait", "--config", config]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--timeout: a build timeout is whole seconds from 1 to 108000/);
    }
    expect(await f.web.store.builds.listBuildIds()).toHaveLength(2);
  });

  it("submits background and batched builds, shows why a build waits, and lets an admin set a share", async () => {
    await using f = await webFixture();
    const config = await configFile(f.web.url, f.aliceToken);
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    const first = await run(["build", "hello", srpmPath, "--background", "--nowait", "--config", config]);
    const firstId = Number(/Created builds: (\d+)/.exec(first.stdout)?.[1]);
    expect((await f.web.store.builds.getBuild(firstId))?.background).toBe(true);
    const after = await run(["build", "hello", srpmPath, "--after-build-id", String(firstId), "--nowait", "--config", config]);
    const afterId = Number(/Created builds: (\d+)/.exec(after.stdout)?.[1]);
    // Headhunter publishes the reason; here the test does, as Headhunter would.
    await f.web.store.scheduling.setReasons([[`batch:${afterId}`, `waiting for build ${firstId}`]]);
    const shown = await run(["status", String(afterId), "--config", config]);
    expect(shown.stdout).toMatch(new RegExp(`fedora-40-x86_64 +pending +waiting for build ${firstId}`));
    const both = await run(["build", "hello", srpmPath, "--after-build-id", "1", "--with-build-id", "1", "--nowait", "--config", config]);
    expect([both.code, both.stderr]).toEqual([2, expect.stringMatching(/either --after-build-id or --with-build-id/)]);
    const missing = await run(["build", "hello", srpmPath, "--after-build-id", "4242", "--nowait", "--config", config]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/build 4242 does not exist/);

    expect((await run(["share", "alice", "--config", config])).stdout).toBe("alice: share 1\n");
    const denied = await run(["share", "alice", "3", "--config", config]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/not an admin/);
    const rootConfig = await configFile(f.web.url, f.rootToken);
    expect((await run(["share", "alice", "3", "--config", rootConfig])).stdout).toBe("alice: share 3\n");
    expect(await f.web.store.scheduling.share("alice")).toBe(3);
  });

  it("resubmit builds an earlier build's SRPM again, keeping its timeout, and explains when nothing failed", async () => {
    await using f = await webFixture();
    const config = await configFile(f.web.url, f.aliceToken);
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    const built = await run(["build", "hello", srpmPath, "--timeout", "120", "--nowait", "--config", config]);
    const id = Number(/Created builds: (\d+)/.exec(built.stdout)?.[1]);
    const again = await run(["resubmit", String(id), "--nowait", "--config", config]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain(`Build ${id} resubmitted as build ${id + 1} in alice/hello`);
    expect(await f.web.store.builds.getBuild(id + 1)).toMatchObject({ timeoutS: 120, srpm: { name: "hello" } });
    const none = await run(["resubmit", String(id), "--failed", "--nowait", "--config", config]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/has no failed or canceled chroot to rebuild/);
    expect(await f.web.store.builds.listBuildIds()).toHaveLength(2);

    // list-builds pages by the last id shown, and says how to get the next page.
    const first = await run(["list-builds", "hello", "--limit", "1", "--config", config]);
    expect(first.stdout).toMatch(new RegExp(`^${id + 1} +alice/hello`, "m"));
    expect(first.stdout).toContain(`Older builds: copr list-builds hello --limit 1 --before ${id + 1}`);
    const next = await run(["list-builds", "hello", "--limit", "1", "--before", String(id + 1), "--json", "--config", config]);
    expect((JSON.parse(next.stdout) as { build: { id: number } }[]).map((v) => v.build.id)).toEqual([id]);
  });

  it("shows the server's refusal of a file that is not an RPM", async () => {
    await using f = await webFixture();
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    const dir = await mkdtemp(join(tmpdir(), "copr-cli-"));
    const fake = join(dir, "x.src.rpm");
    await writeFile(fake, "#!/bin/sh\necho not an rpm\n".repeat(20));
    const res = await run(["build", "alice/hello", fake, "--nowait", "--config", await configFile(f.web.url, f.aliceToken)]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/NOT_RPM/);
    expect(await f.web.store.builds.listBuildIds()).toEqual([]);
  });

  it("explains a refused token, a server that is not running and a missing config", async () => {
    await using f = await webFixture();
    const wrong = await configFile(f.web.url, "copr_not-a-token");
    const down = await configFile(`http://127.0.0.1:${await freePort()}`, f.aliceToken);
    const [whoami, upload, unreachable, missing] = await Promise.all([
      run(["whoami", "--config", wrong]),
      run(["build", "alice/hello", srpmPath, "--config", wrong]),
      run(["whoami", "--config", down]),
      run(["whoami", "--config", join(tmpdir(), "no-such-copr-config")]),
    ]);
    for (const r of [whoami, upload]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/the token in .* was refused; ask an admin for a new one/);
    }
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach copr-web at http:\/\/127\.0\.0\.1:\d+: is it running\?/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/\[copr-cli\]\ncopr_url = .*\ntoken = /);
  });

  it.concurrent("watch-build prints state changes and log lines as they happen and exits 0 when every chroot succeeded", async ({ expect }) => {
    await using f = await webFixture();
    const id = await submitted(f, ["fedora-40-x86_64", "epel-9-aarch64"]);
    const watch = copr(["watch-build", String(id), "--config", await configFile(f.web.url, f.aliceToken)]);
    await watch.stdoutMatches(/Watching build/);
    await finish(f, `${id}-fedora-40-x86_64`, "succeeded");
    await watch.stdoutMatches(/fedora-40-x86_64: publishing -> succeeded/);
    await finish(f, `${id}-epel-9-aarch64`, "succeeded");
    const res = await watch.done;
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^\d\d:\d\d:\d\d fedora-40-x86_64: pending -> starting$/m);
    expect(res.stdout).toMatch(/^\d\d:\d\d:\d\d epel-9-aarch64: starting -> running$/m);
    // Two chroots build: log lines name theirs.
    expect(res.stdout).toContain(`[epel-9-aarch64] building ${id}-epel-9-aarch64\n`);
    expect(res.stdout).toMatch(new RegExp(`Build ${id} .*: succeeded`));
  });

  it.concurrent("watch-build exits 1 when a chroot failed, with the reason in the summary", async ({ expect }) => {
    await using f = await webFixture();
    const id = await submitted(f, ["fedora-40-x86_64", "epel-9-aarch64"]);
    await finish(f, `${id}-fedora-40-x86_64`, "succeeded");
    const watch = copr(["watch-build", String(id), "--config", await configFile(f.web.url, f.aliceToken)]);
    await watch.stdoutMatches(/Watching build/);
    await finish(f, `${id}-epel-9-aarch64`, "failed");
    const res = await watch.done;
    expect(res.code).toBe(1);
    // Events from before the watch started are replayed too.
    expect(res.stdout).toMatch(/fedora-40-x86_64: publishing -> succeeded/);
    expect(res.stdout).toMatch(/epel-9-aarch64: running -> failed/);
    expect(res.stdout).toMatch(/epel-9-aarch64\s+failed\s+worker a:b:c\s+rpmbuild exited 1/);
  });

  it.concurrent("delete-build deletes ended builds, all or none, and says why it refuses; delete removes the project", async ({ expect }) => {
    await using f = await webFixture();
    const a = await submitted(f, ["fedora-40-x86_64"]);
    const again = await f.upload(f.aliceToken, "alice", "hello", await readFile(srpmPath));
    const b = ((await again.json()) as { build: { id: number } }).build.id;
    await finish(f, `${a}-fedora-40-x86_64`, "succeeded");
    await finish(f, `${b}-fedora-40-x86_64`, "failed");
    const config = await configFile(f.web.url, f.aliceToken);
    const bob = await f.web.store.accounts.createUser("bob");
    const [missing, foreign, usage] = await Promise.all([
      run(["delete-build", String(a), "999", "--config", config]),
      run(["delete-build", String(a), "--config", await configFile(f.web.url, bob.token)]),
      run(["delete-build", "--config", config]),
    ]);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/Build 999 does not exist/)]);
    expect([foreign.code, foreign.stderr]).toEqual([1, expect.stringMatching(/belongs to alice/)]);
    expect(usage.code).toBe(2);
    expect(await f.web.store.builds.getBuild(a)).not.toBeNull();
    const ok = await run(["delete-build", String(a), String(b), "--config", config]);
    expect([ok.code, ok.stdout]).toEqual([0, `Deleted builds: ${a} ${b}\n`]);
    expect(await f.web.store.builds.listBuildIds()).toEqual([]);
    const gone = await run(["delete", "hello", "--config", config]);
    expect([gone.code, gone.stdout]).toEqual([0, "Project alice/hello has been deleted.\n"]);
    expect(await f.web.store.projects.getProject("alice", "hello")).toBeNull();
  });

  it.concurrent("watch-build survives a dropped connection, resuming without gaps or repeats", async ({ expect }) => {
    await using f = await webFixture();
    const id = await submitted(f, ["fedora-40-x86_64"]);
    const proxy = await cuttableProxy(new URL(f.web.url));
    try {
      const watch = copr(["watch-build", String(id), "--json", "--config", await configFile(proxy.url, f.aliceToken)]);
      const task = `${id}-fedora-40-x86_64`;
      await f.web.store.builds.transitionTask(task, "starting", { agent: "a:b:c" }, 0);
      await watch.stdoutMatches(/"to":"starting"/);
      proxy.cut();
      await f.web.store.builds.transitionTask(task, "running", {}, 0);
      await f.web.store.logs.appendLog(task, 0, ["after the drop"]);
      await f.web.store.builds.transitionTask(task, "publishing", {}, 0);
      await f.web.store.builds.transitionTask(task, "succeeded", {}, 0);
      const res = await watch.done;
      expect(res.code).toBe(0);
      const lines = res.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; to?: string; lines?: string[] });
      expect(lines.filter((l) => l.type === "task").map((l) => l.to)).toEqual(["starting", "running", "publishing", "succeeded"]);
      expect(lines.filter((l) => l.type === "log").map((l) => l.lines)).toEqual([["after the drop"]]);
      expect(lines.at(-1)).toMatchObject({ type: "summary", ok: true, state: "succeeded" });
      expect(res.stderr).toMatch(/reconnect/);
    } finally {
      proxy.cut();
      proxy.server.close();
    }
  });

  it("worker add needs an admin, creates the worker's own broker user, and prints its token and broker password", async () => {
    const services = inject("services");
    await using ns = await busNamespace(services);
    // Names of this test only: worker add sets a new broker password, and broker users are shared by every vhost.
    const w1 = `cli-${ns.vhost}:copr-worker:w1`;
    const w2 = `cli-${ns.vhost}:copr-worker:w2`;
    await using f = await webFixture({
      COPR_BUS_PORT: String(ns.amqpPort), COPR_BUS_VHOST: ns.vhost, COPR_BUS_MANAGEMENT_URL: `http://127.0.0.1:${ns.managementPort}`,
      COPR_BROKER_ADMIN_PASSWORD: services.passwords["copr-admin"],
    });
    const [alice, root] = await Promise.all([
      run(["worker", "add", w1, "--config", await configFile(f.web.url, f.aliceToken)]),
      run(["worker", "add", w2, "--config", await configFile(f.web.url, f.rootToken)]),
    ]);
    expect(alice.code).toBe(1);
    expect(alice.stderr).toMatch(/FORBIDDEN: alice is not an admin/);
    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/token \(COPR_WORKER_TOKEN\): +copr_w_\S+$/m);
    expect(root.stdout).toContain(`broker user (COPR_BUS_USER):            ${w2}`);
    const brokerPassword = /broker password \(COPR_BUS_PASSWORD\): +(\S+)$/m.exec(root.stdout)?.[1] ?? "";
    expect((await f.web.store.workers.listWorkers()).map((w) => w.name)).toEqual([w2]);
    // The printed password logs in, as that worker only.
    const bus = await BusConnection.open(parseBusConfig({ port: ns.amqpPort, vhost: ns.vhost, username: w2, password: brokerPassword }), { logger: silentLogger });
    await bus.close();
    const management = new ManagementClient({ port: ns.managementPort, username: "copr-admin", password: services.passwords["copr-admin"] });
    expect((await management.request("GET", `/api/users/${encodeURIComponent(w1)}`)).status).toBe(404);

    const rootConfig = await configFile(f.web.url, f.rootToken);
    const [badName, drained] = await Promise.all([
      run(["worker", "add", "no-colons", "--config", rootConfig]),
      run(["worker", "drain", w2, "--config", rootConfig]),
    ]);
    // zod's input error, shown as its message.
    expect([badName.code, badName.stderr]).toEqual([1, "copr: BAD_REQUEST: name: worker name: vendor:product:instance\n"]);
    expect(drained.code).toBe(0);
    const listed = await run(["worker", "list", "--json", "--config", rootConfig]);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: w2, drain: true }]);
    // Adding a registered name again is refused and leaves its broker password alone.
    expect((await run(["worker", "add", w2, "--config", rootConfig])).code).toBe(1);
    const again = await BusConnection.open(parseBusConfig({ port: ns.amqpPort, vhost: ns.vhost, username: w2, password: brokerPassword }), { logger: silentLogger });
    await again.close();
    expect((await run(["worker", "remove", w2, "--config", rootConfig])).code).toBe(0);
    expect(await f.web.store.workers.listWorkers()).toEqual([]);
    expect((await management.request("GET", `/api/users/${encodeURIComponent(w2)}`)).status).toBe(404);
  });

  it("refuses worker add when copr-web may not create broker users, and registers nothing", async () => {
    await using f = await webFixture();
    const res = await run(["worker", "add", "fedoraproject:copr-worker:nobroker", "--config", await configFile(f.web.url, f.rootToken)]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/set COPR_BUS_MANAGEMENT_URL and COPR_BROKER_ADMIN_PASSWORD/);
    expect(await f.web.store.workers.listWorkers()).toEqual([]);
  });

  it("download-build fetches every file of the build's result directories into DIR/CHROOT/", async () => {
    await using f = await webFixture();
    const id = await submitted(f, ["fedora-40-x86_64", "epel-9-aarch64"]);
    const resultDir = join(f.dataDir, "results", "alice", "hello", "fedora-40-x86_64", `${String(id).padStart(8, "0")}-hello`);
    await mkdir(resultDir, { recursive: true });
    await writeFile(join(resultDir, "hello-1.0-1.noarch.rpm"), "rpm bytes");
    await writeFile(join(resultDir, "builder-live.log"), "log text");
    const dest = await mkdtemp(join(tmpdir(), "copr-dl-"));
    const res = await run(["download-build", String(id), "--dest", dest, "--config", await configFile(f.web.url, f.aliceToken)]);
    expect(res.code).toBe(0);
    expect(await readFile(join(dest, "fedora-40-x86_64", "hello-1.0-1.noarch.rpm"), "utf8")).toBe("rpm bytes");
    expect(await readFile(join(dest, "fedora-40-x86_64", "builder-live.log"), "utf8")).toBe("log text");
    expect(res.stderr).toMatch(/epel-9-aarch64: no results/);
  });
});
