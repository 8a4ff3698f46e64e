/**
 * `npm run bench:dispatch`: how fast an accepted build reaches a worker.
 *
 * Starts private RabbitMQ, Redis and a builder-host sshd, then copr-web,
 * Headhunter and one worker in this process, and submits 50 builds one
 * after another to the idle worker (each build finishes before the next is
 * submitted). Per build:
 *   dispatch = from "accepted" (the task stored, just before it is queued and
 *              the 201 goes out) to the worker's `build` method running;
 *   start    = from then to the build command starting on the builder host.
 * All times are taken in this one process (wall clock, sub-ms).
 * Writes bench/results/dispatch.json.
 */
import { mkdtemp, readFile, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBusConfig, silentLogger } from "../libs/bus/src/index.ts";
import { isFinal } from "../libs/domain/src/index.ts";
import { RabbitMqInstance, RedisInstance, SshdInstance, rpmbuild } from "../libs/testkit/src/index.ts";
import { loadWebConfig } from "../apps/copr-web/src/config.ts";
import { startWeb } from "../apps/copr-web/src/web.ts";
import { startHeadhunter } from "../apps/headhunter/src/headhunter.ts";
import { connectBuilder } from "../apps/worker/src/builder/connectBuilder.ts";
import type { BuilderConnection } from "../apps/worker/src/build/builderConnection.ts";
import { startWorker } from "../apps/worker/src/worker.ts";

const N = 50;
const resultsFile = join(dirname(fileURLToPath(import.meta.url)), "results", "dispatch.json");

/** Wall clock with sub-millisecond resolution, comparable with Date.now(). */
const now = (): number => performance.timeOrigin + performance.now();

function stats(xs: number[]): { median: number; p99: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
  return { median: Math.round(at(50) * 100) / 100, p99: Math.round(at(99) * 100) / 100 };
}

async function main(): Promise<void> {
  const [broker, redis, sshd] = await Promise.all([RabbitMqInstance.start(), RedisInstance.start(), SshdInstance.start()]);
  const closers: (() => Promise<unknown>)[] = [() => broker.close(), () => redis.close(), () => sshd.close()];
  try {
    const bus = (user: { username: string; password: string }) => parseBusConfig({
      port: broker.amqpPort, vhost: "copr", ...user, managementUrl: `http://127.0.0.1:${broker.managementPort}`,
    });
    const dataDir = await mkdtemp(join(tmpdir(), "copr-bench-"));
    const web = await startWeb(loadWebConfig({ COPR_WEB_PORT: "0", COPR_REDIS_URL: redis.url("copr-web"), COPR_WEB_DATA_DIR: dataDir }));
    closers.unshift(() => web.close());
    const hh = await startHeadhunter({ bus: bus({ username: "headhunter", password: broker.passwords.headhunter }), redisUrl: redis.url("headhunter"), redisPrefix: "copr:", webUrl: web.url, log: silentLogger, callTimeoutMs: 10_000, missedIntervals: 3 });
    closers.unshift(() => hh.close());

    const accepted = new Map<string, number>();
    const dispatched = new Map<string, number>();
    const started = new Map<string, number>();
    const name = "fedoraproject:copr-worker:bench";
    const { token } = await web.store.workers.addWorker(name);
    // Measuring hooks: the moment a connection's run() is called is when the build command starts.
    const connect = async (host: Parameters<typeof connectBuilder>[0]): Promise<BuilderConnection> => {
      const c = await connectBuilder(host);
      const run = c.run.bind(c);
      c.run = (command, options) => {
        const task = /([0-9]+-[a-z0-9._-]+)-\d+$/.exec(options.cwd ?? "")?.[1];
        if (task !== undefined) started.set(task, now());
        return run(command, options);
      };
      return c;
    };
    const worker = await startWorker({
      bus: bus(await broker.agentAdmin().addAgent(name)), name, token, webUrl: web.url, stateDir: await mkdtemp(join(tmpdir(), "copr-bench-w-")), heartbeatMs: 2000,
      hosts: [{ name: "b1", host: "127.0.0.1", port: sshd.port, user: sshd.user, privateKey: sshd.privateKey.toString(), hostKeyFingerprint: sshd.hostKeyFingerprint, arches: ["x86_64"], slots: 2, workDir: sshd.workDir }],
      connect, log: silentLogger,
      // Beside the results, as the results host's agent is: a build ends once signed and published.
      resultsDir: join(dataDir, "results"), signer: { keysDir: join(dataDir, "keys"), keyDomain: "bench.example.org", slots: 4 },
    });
    closers.unshift(() => worker.close());
    const startBuild = worker.runner.start.bind(worker.runner);
    worker.runner.start = (args) => {
      if (!dispatched.has(args.task_id)) dispatched.set(args.task_id, now());
      return startBuild(args);
    };

    const alice = await web.store.accounts.createUser("alice");
    await web.store.projects.createProject("alice", "hello", ["fedora-40-x86_64"]);
    const srpm = await readFile(await rpmbuild(await readFile("examples/hello/hello.spec", "utf8")));
    while (hh.pool.snapshot().length === 0) await new Promise((r) => setTimeout(r, 50));

    const dispatchMs: number[] = [];
    const startMs: number[] = [];
    for (let i = 0; i < N; i++) {
      const res = await fetch(`${web.url}/api/projects/alice/hello/builds`, { method: "POST", headers: { authorization: `Bearer ${alice.token}` }, body: srpm });
      const view = (await res.json()) as { build: { id: number; taskIds: string[] }; tasks: { queuedAt: number }[] };
      const task = view.build.taskIds[0] ?? "";
      const t = view.tasks[0]?.queuedAt ?? Number.NaN;
      accepted.set(task, t);
      for (;;) {
        const tasks = await web.store.builds.getTasks(view.build.taskIds);
        if (tasks.every((x) => isFinal(x.state))) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const d = dispatched.get(task);
      const s = started.get(task);
      if (d !== undefined) dispatchMs.push(d - t);
      if (s !== undefined) startMs.push(s - t);
      process.stdout.write(`  build ${i + 1}/${N}: dispatch ${d === undefined ? "?" : (d - t).toFixed(2)} ms, start ${s === undefined ? "?" : (s - t).toFixed(1)} ms\n`);
    }
    const result = { n: N, dispatch_ms: stats(dispatchMs), start_ms: stats(startMs) };
    console.log(JSON.stringify(result));
    await mkdir(dirname(resultsFile), { recursive: true });
    await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const c of closers) await c().catch(() => undefined);
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error("bench failed:", err);
  process.exit(1);
});
