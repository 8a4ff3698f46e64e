import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ControlQueue } from "@copr/queue";
import { until } from "@copr/testkit";
import { helloSpec, startStack } from "./stack.ts";

const run = promisify(execFile);

// Hostile source RPMs (test/hostile/*.spec, built with rpmbuild -bs) go
// through the real stack: copr-web, Headhunter, a worker and an sshd builder
// host that runs each build in a bubblewrap sandbox.

async function hostile(name: string, fill: Record<string, string> = {}): Promise<string> {
  let spec = await readFile(join(import.meta.dirname, "hostile", `${name}.spec`), "utf8");
  for (const [key, value] of Object.entries(fill)) spec = spec.replaceAll(`@${key}@`, value);
  return spec;
}

type Stack = Awaited<ReturnType<typeof startStack>>;

/** Processes of the builder user whose command line matches `pattern`. */
async function builderProcesses(s: Stack, pattern: string): Promise<string> {
  return await run("pgrep", ["-a", "-u", s.sshd.user, "-f", pattern]).then((r) => r.stdout.trim(), () => "");
}

async function logOf(s: Stack, buildId: number): Promise<string> {
  return (await s.web.store.logs.readLog(`${buildId}-fedora-40-x86_64`)).flatMap((e) => e.lines).join("\n");
}

async function cancel(s: Stack, buildId: number): Promise<void> {
  const { Redis } = await import("ioredis");
  const conn = new Redis(s.web.store.redis.options);
  const q = new ControlQueue({ connection: conn, prefix: s.web.store.keys.bullPrefix() });
  try {
    await q.control({ kind: "cancel-build", buildId, by: "alice" });
  } finally {
    await q.close();
    conn.disconnect();
  }
}

describe("a build cannot reach outside its sandbox", () => {
  it("leaves no daemon and no build macros behind, and nothing planted in the next user's results", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1");
    const poisoner = await s.submit(await hostile("poisoner"));
    const [first] = await s.waitFinal(poisoner);
    expect(await logOf(s, poisoner)).toContain("poisoner: daemon started");
    // Its daemon may plant its fake RPM in its own output before the build ends (it sees only its own
    // directory): then copr-web refuses that file and the build fails for it; it is never published.
    if (first?.state !== "succeeded") expect(first?.reason).toMatch(/planted-6\.6-6\.noarch\.rpm: /);
    const own = join(s.resultsDir, "alice/hello/fedora-40-x86_64", `${String(poisoner).padStart(8, "0")}-poisoner`);
    expect((await readdir(own).catch(() => [])).filter((f) => f.startsWith("planted"))).toEqual([]);
    // The sandbox's PID namespace ended with the build: its daemon too.
    await until(async () => (await builderProcesses(s, "copr-hostile-daemon")) === "", 10_000, "the daemon to be gone");

    // The next build, another user's, on the same builder host.
    const bob = await s.web.store.accounts.createUser("bob");
    await s.web.store.projects.createProject("bob", "hello", ["fedora-40-x86_64"]);
    const victim = await s.submit(helloSpec(), { as: { token: bob.token, project: "bob/hello" } });
    const [second] = await s.waitFinal(victim);
    expect(second?.state).toBe("succeeded");
    const dir = join(s.resultsDir, "bob/hello/fedora-40-x86_64", `${String(victim).padStart(8, "0")}-hello`);
    expect((await readdir(dir)).sort()).toEqual(["builder-live.log.gz", "hello-1.0-1.noarch.rpm", "hello-1.0-1.src.rpm"]);
    const { stdout } = await run("rpm", ["-qp", "--qf", "%{PACKAGER}|%{VENDOR}", join(dir, "hello-1.0-1.noarch.rpm")]);
    expect(stdout).not.toMatch(/Mallory/);
  });

  it("lets two builds running at once on one host see neither each other's files nor directories", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1", { slots: 2 });
    const nonce = randomBytes(8).toString("hex");
    const keeper = await s.submit(await hostile("keeper", { NONCE: nonce }));
    await until(async () => (await logOf(s, keeper)).includes("keeper: secret written"), 60_000, "the keeper's secret");
    const snoop = await s.submit(await hostile("snoop"));
    const [looked] = await s.waitFinal(snoop);
    expect(looked?.state).toBe("succeeded");
    const seen = await logOf(s, snoop);
    expect(seen).toContain("snoop: done");
    expect(seen).not.toContain(nonce);
    expect(seen).toContain("snoop: no secret next door");
    expect(seen).not.toMatch(/^snoop: found /m);
    expect(seen).not.toContain(`${keeper}-fedora-40-x86_64-0`);
    // Its own directory is all it sees of the work root, and it wrote only there.
    expect(seen).toMatch(new RegExp(`^snoop: the work root holds: \\. \\.\\. ${snoop}-fedora-40-x86_64-0 $`, "m"));
    expect(seen.match(/^snoop: wrote into/gm)).toHaveLength(1);

    await s.release(`${keeper}-fedora-40-x86_64`, 0);
    const [kept] = await s.waitFinal(keeper);
    expect(kept?.state).toBe("succeeded");
    expect(await logOf(s, keeper)).not.toContain("planted-by-snoop");
  });

  it("has no network unless the build enables it", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1");
    const targets = {
      "copr-web": new URL(s.web.url).port,
      redis: String(s.web.store.redis.options.port),
      "rabbitmq-amqp": String(s.ns.amqpPort),
      "rabbitmq-management": String(s.ns.managementPort),
      sshd: String(s.sshd.port),
    };
    const spec = await hostile("netprobe", { TARGETS: Object.entries(targets).map(([k, v]) => `${k}=${v}`).join(" ") });

    const closed = await s.submit(spec);
    expect((await s.waitFinal(closed))[0]?.state).toBe("succeeded");
    const closedLog = await logOf(s, closed);
    for (const name of Object.keys(targets)) expect(closedLog).toContain(`netprobe: BLOCKED ${name}`);
    expect(closedLog).toMatch(/copr-worker: sandbox: bubblewrap .*; network off;/);

    // The same probe can tell: with the network on, copr-web answers.
    const open = await s.submit(spec, { enableNet: true });
    expect((await s.waitFinal(open))[0]?.state).toBe("succeeded");
    const openLog = await logOf(s, open);
    expect(openLog).toContain("netprobe: REACHED copr-web");
    expect(openLog).toMatch(/copr-worker: sandbox: bubblewrap .*; network on;/);
  });

  it("stops a canceled build with everything it started, daemons included", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1");
    const id = await s.submit(await hostile("lingerer"));
    await until(async () => (await logOf(s, id)).includes("lingerer: started"), 60_000, "the build to start");
    await until(async () => /sleep 3007[^]*sleep 3008|sleep 3008[^]*sleep 3007/.test(await builderProcesses(s, "sleep 300[78]")), 30_000, "the daemon and the sleep");
    const asked = performance.now();
    await cancel(s, id);
    await until(async () => (await builderProcesses(s, "sleep 300[78]")) === "", 30_000, "every process of the build to be gone");
    globalThis.console.log(`sandbox: canceled build's processes gone ${Math.round(performance.now() - asked)} ms after the cancel request`);
    expect((await s.waitFinal(id))[0]?.state).toBe("canceled");
  });

  it("stops the sandbox when its worker is killed", async () => {
    await using s = await startStack();
    const worker = await s.spawnWorker("fedoraproject:copr-worker:w1");
    const id = await s.submit(await hostile("lingerer"));
    await until(async () => (await logOf(s, id)).includes("lingerer: started"), 60_000, "the build to start");
    await until(async () => /sleep 3007[^]*sleep 3008|sleep 3008[^]*sleep 3007/.test(await builderProcesses(s, "sleep 300[78]")), 30_000, "the daemon and the sleep");
    const killed = performance.now();
    worker.kill();
    await until(async () => (await builderProcesses(s, "sleep 300[78]")) === "", 30_000, "the orphaned build to be stopped");
    globalThis.console.log(`sandbox: killed worker's build gone ${Math.round(performance.now() - killed)} ms after kill -9`);
  });

  it("publishes no package the build's SRPM did not make, even one rpmbuild wrote into the results", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1");
    const id = await s.submit(await hostile("smuggler"));
    const [task] = await s.waitFinal(id);
    expect(task?.state).toBe("failed");
    expect(task?.reason).toMatch(/contraband-6\.6\.6-1\.noarch\.rpm was built from contraband-6\.6\.6-1\.src\.rpm, not from this build's smuggler-1\.0-1\.src\.rpm/);
    const published = await readdir(join(s.resultsDir, "alice", "hello", "fedora-40-x86_64"), { recursive: true }).catch(() => []);
    expect(published.filter((f) => f.includes("contraband"))).toEqual([]);
  });

  it("fails a build that writes past its file size limit, and says so", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1", { limits: { processes: 4096, openFiles: 4096, memoryMiB: 16_384, fileSizeMiB: 16 } });
    const id = await s.submit(await hostile("bigfile"));
    const [task] = await s.waitFinal(id);
    expect(task?.state).toBe("failed");
    expect(task?.reason).toMatch(/wrote a file larger than its limit \(16 MiB\)/);
  });
});
