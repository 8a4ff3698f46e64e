import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject, onTestFailed } from "vitest";
import { BusConnection, parseBusConfig, silentLogger, type AgentCredentials, type BusConfig, type BusLogger } from "@copr/bus";
import { isFinal } from "@copr/domain";
import type { Task } from "@copr/store";
import { busNamespace, redisNamespace, rpmbuild, SshdInstance, type BrokerUser, type BusNamespace, type SharedServices } from "@copr/testkit";
import { loadWebConfig } from "../apps/copr-web/src/config.ts";
import { startWeb } from "../apps/copr-web/src/web.ts";
import { startHeadhunter } from "../apps/headhunter/src/headhunter.ts";
import { connectBuilder } from "../apps/worker/src/builder/connectBuilder.ts";
import { startWorker, type Worker } from "../apps/worker/src/worker.ts";
import type { SandboxLimits } from "../apps/worker/src/build/sandbox.ts";
import type { Provisioner } from "../apps/worker/src/build/provisioner.ts";

/** Bus settings for a component's `user`, or for a worker with its own broker user (BusNamespace.agent). */
export function busConfig(ns: BusNamespace, user: BrokerUser | AgentCredentials): BusConfig {
  const { username, password } = typeof user === "string" ? ns.credentials(user) : user;
  return parseBusConfig({ port: ns.amqpPort, vhost: ns.vhost, username, password, managementUrl: `http://127.0.0.1:${ns.managementPort}`, reconnectMaxDelayMs: 500 });
}

/**
 * The whole pipeline in one test process, on the shared broker and Redis
 * (own vhost and key prefix; or on `services` of the test's own, for fault
 * tests that kill them) and a private sshd builder host: copr-web,
 * Headhunter, and workers that build over SSH with rpmbuild. What the
 * components log (info and up) is printed when the test fails.
 */
export async function startStack(options: { uiDir?: string; services?: SharedServices; log?: BusLogger } = {}) {
  const recorded = recordingLogger();
  const log = options.log ?? recorded;
  onTestFailed(() => {
    if (recorded.lines.length > 0) globalThis.console.log(`what the components logged:\n${recorded.lines.join("\n")}`);
  });
  const services = options.services ?? inject("services");
  const ns = await busNamespace(services);
  const rns = await redisNamespace(services);
  const dataDir = await mkdtemp(join(tmpdir(), "copr-e2e-"));
  const web = await startWeb(loadWebConfig({
    COPR_WEB_PORT: "0", COPR_REDIS_URL: rns.urls["copr-web"], COPR_REDIS_PREFIX: rns.keyPrefix, COPR_WEB_DATA_DIR: dataDir,
    // copr-web follows heartbeats for the builders page.
    COPR_BUS_PORT: String(ns.amqpPort), COPR_BUS_VHOST: ns.vhost, COPR_BUS_PASSWORD: ns.credentials("copr-web").password,
    ...(options.uiDir === undefined ? {} : { COPR_WEB_UI_DIR: options.uiDir }),
  }));
  const hh = await startHeadhunter({
    bus: busConfig(ns, "headhunter"), redisUrl: rns.urls.headhunter, redisPrefix: rns.keyPrefix, webUrl: web.url,
    log, callTimeoutMs: 5000, missedIntervals: 3, metrics: { host: "127.0.0.1", port: 0 },
  });
  const sshd = await SshdInstance.start();
  const alice = await web.store.accounts.createUser("alice");
  await web.store.projects.createProject("alice", "hello", ["fedora-40-x86_64"]);
  const workers: Worker[] = [];
  const resultsDir = join(dataDir, "results");

  return {
    ns, web, hh, sshd, dataDir, resultsDir, aliceToken: alice.token,
    /** The signers' keys (one GnuPG home per project). */
    keysDir: join(dataDir, "keys"),
    /**
     * A worker in this process; with `provisioners` its builders come only
     * from those (no static host). Unless `createrepo` is false it also
     * regenerates repositories and signs (sharing the stack's keys directory).
     */
    async worker(name: string, options: { hostKeyFingerprint?: string; createrepo?: boolean; signSlots?: number; slots?: number; limits?: SandboxLimits; provisioners?: Provisioner[] } = {}): Promise<Worker> {
      const { token } = await web.store.workers.addWorker(name);
      const w = await startWorker({
        bus: busConfig(ns, await ns.agent(name)), name, token, webUrl: web.url, stateDir: await mkdtemp(join(tmpdir(), "copr-worker-state-")), heartbeatMs: 1000,
        ...(options.provisioners === undefined ? {} : { provisioners: options.provisioners }),
        hosts: options.provisioners !== undefined ? [] : [{
          name: `builder-${sshd.port}`, host: "127.0.0.1", port: sshd.port, user: sshd.user, privateKey: sshd.privateKey.toString(),
          hostKeyFingerprint: options.hostKeyFingerprint ?? sshd.hostKeyFingerprint, arches: ["x86_64"], slots: options.slots ?? 2, workDir: sshd.workDir,
          ...(options.limits === undefined ? {} : { limits: options.limits }),
        }],
        connect: connectBuilder,
        resultsDir: options.createrepo === false ? undefined : resultsDir,
        ...(options.createrepo === false ? {} : { signer: { keysDir: join(dataDir, "keys"), keyDomain: "copr.test", slots: options.signSlots ?? 4 } }),
        log,
        metrics: { host: "127.0.0.1", port: 0 },
      });
      workers.push(w);
      return w;
    },
    /** A worker as its own process (apps/worker/src/main.ts), for kill -9. */
    async spawnWorker(name: string): Promise<{ kill(): void }> {
      const { token } = await web.store.workers.addWorker(name);
      const dir = await mkdtemp(join(tmpdir(), "copr-worker-proc-"));
      await writeFile(join(dir, "key"), sshd.privateKey, { mode: 0o600 });
      await writeFile(join(dir, "builders.json"), JSON.stringify({
        hosts: [{ name: `builder-${sshd.port}`, host: "127.0.0.1", port: sshd.port, user: sshd.user, key_file: join(dir, "key"),
          host_key_fingerprint: sshd.hostKeyFingerprint, arches: ["x86_64"], slots: 2, work_dir: sshd.workDir }],
      }));
      const { username, password } = await ns.agent(name);
      const child = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
        env: {
          PATH: process.env.PATH, HOME: process.env.HOME,
          COPR_BUS_PORT: String(ns.amqpPort), COPR_BUS_VHOST: ns.vhost, COPR_BUS_USER: username, COPR_BUS_PASSWORD: password,
          COPR_WORKER_NAME: name, COPR_WORKER_TOKEN: token, COPR_WORKER_WEB_URL: web.url, COPR_WORKER_STATE_DIR: dir, COPR_WORKER_HEARTBEAT_MS: "1000",
          COPR_WORKER_BUILDERS: join(dir, "builders.json"),
          // No metrics port: several of these may run at once.
          COPR_WORKER_METRICS_PORT: "0",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`worker process did not start: ${output}`)), 30_000);
        for (const stream of [child.stdout, child.stderr]) {
          createInterface({ input: stream }).on("line", (line) => {
            output += `${line}\n`;
            recorded.lines.push(`${new Date().toISOString()} [${name}] ${line}`);
            if (line.includes("worker agent ready")) {
              clearTimeout(timer);
              ok();
            }
          });
        }
        child.once("exit", (code) => fail(new Error(`worker process exited (${String(code)}): ${output}`)));
      });
      return { kill: () => child.kill("SIGKILL") };
    },
    /**
     * Builds an SRPM from spec text and submits it, as alice to alice/hello
     * unless `as` names another user's token and project; returns the build id.
     */
    async submit(spec: string, options: { timeoutS?: number; enableNet?: boolean; as?: { token: string; project: string } } = {}): Promise<number> {
      const body = await readFile(await rpmbuild(spec));
      const params = new URLSearchParams();
      if (options.timeoutS !== undefined) params.set("timeout", String(options.timeoutS));
      if (options.enableNet !== undefined) params.set("enable_net", options.enableNet ? "on" : "off");
      const qs = params.size === 0 ? "" : `?${params.toString()}`;
      const project = options.as?.project ?? "alice/hello";
      const token = options.as?.token ?? alice.token;
      const res = await fetch(`${web.url}/api/projects/${project}/builds${qs}`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body });
      if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { build: { id: number } }).build.id;
    },
    /**
     * Lets a build whose spec waits with `waitForRelease` go on: writes the
     * file it waits for into that attempt's work directory on the builder host.
     */
    async release(taskId: string, attempt: number): Promise<void> {
      await writeFile(join(sshd.workDir, `${taskId}-${attempt}`, "go"), "");
    },
    async tasks(buildId: number): Promise<Task[]> {
      const b = await web.store.builds.getBuild(buildId);
      return b === null ? [] : await web.store.builds.getTasks(b.taskIds);
    },
    async waitFinal(buildId: number, timeoutMs = 60_000): Promise<Task[]> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const tasks = await this.tasks(buildId);
        if (tasks.length > 0 && tasks.every((t) => isFinal(t.state))) return tasks;
        if (Date.now() > end) throw new Error(`build ${buildId} not final after ${timeoutMs} ms: ${JSON.stringify(tasks.map((t) => [t.chroot, t.state, t.reason]))}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async subscriber(): Promise<BusConnection> {
      return await BusConnection.open(busConfig(ns, "subscriber"), { logger: silentLogger });
    },
    async [Symbol.asyncDispose]() {
      for (const w of workers) await w.close().catch(() => undefined);
      await hh.close();
      await web.close();
      await sshd.close();
      await rns[Symbol.asyncDispose]();
      await ns[Symbol.asyncDispose]();
    },
  };
}

/** A logger that keeps warnings and errors (with the time), to show when a test fails. */
export function recordingLogger(): BusLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (obj: object, msg?: string): void => void lines.push(`${new Date().toISOString()} ${level} ${msg ?? ""} ${JSON.stringify(obj)}`);
  return { lines, debug: () => undefined, info: keep("info"), warn: keep("warn"), error: keep("error") };
}

/** Spec lines that wait until the test calls `release()` for this attempt (rpmbuild's _topdir is in the attempt's work directory). */
export const waitForRelease = 'while [ ! -e "%{_topdir}/../go" ]; do sleep 0.1; done';

export const helloSpec = (build = "echo building", extra = "") => `Name: hello
Version: 1.0
Release: 1
Summary: a test package
License: MIT
BuildArch: noarch
${extra}
%description
A test package.
%build
${build}
%install
mkdir -p %{buildroot}/usr/share/hello
echo hello > %{buildroot}/usr/share/hello/greeting
%files
/usr/share/hello/greeting
`;
