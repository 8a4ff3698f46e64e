/**
 * `npm run bench:fairness`: the scheduler on the real broker, Redis and
 * Headhunter, with in-process bus agents that keep the worker contract and
 * "build" by waiting (bench/benchAgent.ts). Tasks are stored and queued as
 * copr-web does (Store.builds.createBuild). Four parts:
 *
 * 1. fairness: one agent with 2 slots, 100 ms builds; owner A queues 3,000
 *    tasks, then owner B submits one. b_wait_slots = A's tasks that started
 *    after B's submission and before B's task; b_wait_ms = B's submission to
 *    B's `build` call.
 * 2. dispatch at 100k: 100,000 pending tasks of 1,000 owners (2 projects
 *    each) are stored first; then Headhunter starts (its load time is
 *    printed) and 20 agents × 2 slots run 200 ms builds (200 tasks/s, below
 *    Headhunter's throughput, so no queue of reports builds up). Each sample is the
 *    time from a slot freeing (the agent publishing its final report) to the
 *    agent's next `build` call on that slot: the whole dispatch path (status
 *    consumed, task moved, pick, handover RPC) with the backlog in place.
 * 3. throughput: 200 agents × 2 slots, no-op builds (the agents in two
 *    worker threads of this process, so they do not share Headhunter's event
 *    loop); 4,000 tasks of 100 owners submitted and run to their end: tasks
 *    per second from the first
 *    submission to the last end. Next to it, BullMQ alone on the same Redis:
 *    add 4,000 no-op jobs and process them at concurrency 50.
 * 4. cancel: the time from the cancel request (the control queue copr-web
 *    writes) to the task `canceled` in Redis, for 50 pending tasks and for
 *    25 running ones (the agent stops it and reports).
 *
 * Writes bench/results/fairness.json.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { parseBusConfig, silentLogger } from "../libs/bus/src/index.ts";
import { isFinal } from "../libs/domain/src/index.ts";
import { ControlQueue } from "../libs/queue/src/index.ts";
import { Store } from "../libs/store/src/index.ts";
import { RabbitMqInstance, RedisInstance } from "../libs/testkit/src/index.ts";
import { startHeadhunter, type Headhunter } from "../apps/headhunter/src/headhunter.ts";
import { Worker as WorkerThread } from "node:worker_threads";
import type { AgentThreadData, AgentThreadEvent } from "./agentThread.ts";
import { BenchAgent, type BenchAgentOptions } from "./benchAgent.ts";

const resultsFile = join(dirname(fileURLToPath(import.meta.url)), "results", "fairness.json");
const srpm = { name: "hello", epoch: null, version: "1.0", release: "1", sha256: "ab".repeat(32), size: 1, file: "x.src.rpm" };
const CHROOT = "fedora-40-x86_64";

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN) * 100) / 100;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 600_000, every = 5): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

/** Runs `fn` over `items` with at most `n` at a time. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

async function main(): Promise<void> {
  const [broker, redis] = await Promise.all([RabbitMqInstance.start(), RedisInstance.start()]);
  const admin = broker.agentAdmin();
  const bus = (user: { username: string; password: string }) => parseBusConfig({
    port: broker.amqpPort, vhost: "copr", ...user, managementUrl: `http://127.0.0.1:${broker.managementPort}`,
  });
  let agentSeq = 0;

  /** `n` agents in `threadCount` worker threads (their own event loops, as separate hosts would have). */
  async function agentThreads(web: Store, n: number, threadCount: number, opts: { slots: number; buildMs: number }, onEnded: () => void) {
    const specs = await Promise.all(Array.from({ length: n }, async () => {
      const name = `bench:agent:a${++agentSeq}`;
      const { token } = await web.workers.addWorker(name);
      return { bus: bus(await admin.addAgent(name)), name, token };
    }));
    return await Promise.all(Array.from({ length: threadCount }, async (_, i) => {
      const data: AgentThreadData = { agents: specs.filter((_s, j) => j % threadCount === i), ...opts };
      // The thread loads TypeScript through tsx's loader, registered in it first.
      const boot = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((m) => { m.register(); return import(${JSON.stringify(new URL("./agentThread.ts", import.meta.url).href)}); })`;
      const w = new WorkerThread(boot, { eval: true, workerData: data });
      let readyResolve = (): void => undefined;
      const ready = new Promise<void>((r) => (readyResolve = r));
      let closedResolve = (): void => undefined;
      const closed = new Promise<void>((r) => (closedResolve = r));
      w.on("message", (m: AgentThreadEvent) => {
        if (m.kind === "ready") readyResolve();
        else if (m.kind === "closed") closedResolve();
        else for (let k = 0; k < m.n; k++) onEnded();
      });
      w.on("error", (err) => console.error("agent thread failed:", err));
      await ready;
      return {
        async close(): Promise<void> {
          w.postMessage({ kind: "close" });
          await closed;
          await w.terminate();
        },
      };
    }));
  }

  /** A Headhunter on its own key prefix, a copr-web-like store to submit with, and agents to add. */
  async function stack(prefix: string, headhunterFirst = true) {
    const web = new Store({ url: redis.url("copr-web"), prefix });
    const agents: BenchAgent[] = [];
    let hh: Headhunter | undefined;
    const s = {
      web,
      get hh(): Headhunter {
        if (hh === undefined) throw new Error("Headhunter not started");
        return hh;
      },
      async startHeadhunter(): Promise<number> {
        const t0 = now();
        hh = await startHeadhunter({
          bus: bus({ username: "headhunter", password: broker.passwords.headhunter }), redisUrl: redis.url("headhunter"), redisPrefix: prefix,
          webUrl: "http://127.0.0.1:9", log: silentLogger, callTimeoutMs: 10_000, missedIntervals: 3,
        });
        return now() - t0;
      },
      async agents(n: number, opts: BenchAgentOptions): Promise<BenchAgent[]> {
        const made = await Promise.all(Array.from({ length: n }, async () => {
          const name = `bench:agent:a${++agentSeq}`;
          const { token } = await web.workers.addWorker(name);
          return await BenchAgent.start(bus(await admin.addAgent(name)), name, token, opts);
        }));
        agents.push(...made);
        await until("agents ready", () => made.every((a) => s.hh.pool.has(a.name)), 120_000, 20);
        return made;
      },
      async submit(owner: string, project: string, background = false): Promise<string> {
        const { tasks } = await web.builds.createBuild({ owner, project, submittedBy: owner, srpm, chroots: [{ chroot: CHROOT }], background });
        return tasks[0]?.id ?? "";
      },
      async close(): Promise<void> {
        for (const a of agents) await a.close().catch(() => undefined);
        await hh?.close();
        await web.close();
      },
    };
    if (headhunterFirst) await s.startHeadhunter();
    return s;
  }

  try {
    const parts = new Set((process.env.BENCH_PARTS ?? "1,2,3,4").split(",").map(Number));
    let aBeforeB = Number.NaN;
    let bWaitMs = Number.NaN;
    let dispatch = { p50: Number.NaN, p99: Number.NaN };
    let tasksPerS = Number.NaN;
    let bullPerS = Number.NaN;
    let cancel = { pending_p99: Number.NaN, running_p99: Number.NaN };
    if (parts.has(1)) {
      // 1. Fairness.
      process.stdout.write("1. fairness: 3,000 tasks of A, then one of B, on 2 slots\n");
      const fair = await stack("copr:bench-fair:");
      let bSubmitted = 0;
      let bTask = "";
      let bStarted = 0;
      aBeforeB = 0;
      let builds = 0;
      await fair.agents(1, {
        slots: 2, buildMs: 100,
        onBuild: (args) => {
          builds++;
          if (bSubmitted === 0 || bStarted !== 0) return;
          if (args.task_id === bTask) bStarted = now();
          else if (args.owner === "a") aBeforeB++;
        },
      });
      await pool(Array.from({ length: 3000 }, (_, i) => i), 50, () => fair.submit("a", "mass"));
      await until("A's builds running", () => builds >= 10);
      bSubmitted = now();
      bTask = await fair.submit("b", "one");
      await until("B's build", () => bStarted !== 0, 60_000);
      bWaitMs = Math.round((bStarted - bSubmitted) * 100) / 100;
      process.stdout.write(`   B waited ${bWaitMs} ms; ${aBeforeB} of A's tasks started in between\n`);
      await fair.close();
    }
    if (parts.has(2)) {
      // 2. Dispatch latency with 100,000 pending tasks of 1,000 owners.
      process.stdout.write("2. dispatch with 100,000 pending tasks of 1,000 owners\n");
      const big = await stack("copr:bench-big:", false);
      const t0 = now();
      const owners = Array.from({ length: 1000 }, (_, i) => `o${i}`);
      await pool(Array.from({ length: 100_000 }, (_, i) => i), 100, (i) => big.submit(owners[i % 1000] ?? "o0", `p${Math.floor(i / 1000) % 2}`));
      process.stdout.write(`   stored 100,000 tasks in ${Math.round(now() - t0)} ms\n`);
      const loadMs = await big.startHeadhunter();
      process.stdout.write(`   Headhunter started and queued them in ${Math.round(loadMs)} ms (${big.hh.scheduler.queuedCount} queued)\n`);
      const freed = new Map<string, number[]>();
      const dispatchMs: number[] = [];
      let measuring = false;
      await big.agents(20, {
        slots: 2, buildMs: 200,
        onEnd: (_task, a) => {
          if (measuring) (freed.get(a.name) ?? freed.set(a.name, []).get(a.name))?.push(now());
        },
        onBuild: (_args, a) => {
          const t = freed.get(a.name)?.shift();
          if (t !== undefined && dispatchMs.length < 3000) dispatchMs.push(now() - t);
        },
      });
      await sleep(2000); // past the first fill of every slot
      measuring = true;
      await until("3,000 dispatch samples", () => dispatchMs.length >= 3000, 300_000, 50);
      measuring = false;
      dispatch = { p50: pct(dispatchMs, 50), p99: pct(dispatchMs, 99) };
      process.stdout.write(`   slot freed → next build call: p50 ${dispatch.p50} ms, p99 ${dispatch.p99} ms (${big.hh.scheduler.queuedCount} still queued)\n`);
      await big.close();
    }
    if (parts.has(3)) {

      // 3. Throughput, and BullMQ alone.
      const N = 4000;
      process.stdout.write(`3. throughput: ${N} no-op tasks on 200 agents × 2 slots\n`);
      const tp = await stack("copr:bench-tp:");
      let ended = 0;
      const threads = await agentThreads(tp.web, 200, 2, { slots: 2, buildMs: 0 }, () => void ended++);
      await until("agents ready", () => tp.hh.pool.snapshot().length === 200, 120_000, 20);
      const t1 = now();
      await pool(Array.from({ length: N }, (_, i) => i), 50, (i) => tp.submit(`u${i % 100}`, "p"));
      await until("every task ended", async () => ended >= N && (await tp.web.builds.activeTaskIds()).length === 0, 600_000, 20);
      tasksPerS = Math.round(N / ((now() - t1) / 1000));
      process.stdout.write(`   ${tasksPerS} tasks/s end to end\n`);
      await Promise.all(threads.map((t) => t.close()));
      await tp.close();

      const conn = new Redis(redis.url("headhunter"), { maxRetriesPerRequest: null });
      const q = new Queue("bench-noop", { connection: conn, prefix: "copr:bench-bull" });
      let processed = 0;
      const worker = new Worker("bench-noop", () => {
        processed++;
        return Promise.resolve();
      }, { connection: conn.duplicate(), prefix: "copr:bench-bull", concurrency: 50 });
      const t2 = now();
      await pool(Array.from({ length: N }, (_, i) => i), 50, (i) => q.add("noop", { i }, { removeOnComplete: 1000 }));
      await until("BullMQ jobs processed", () => processed >= N, 600_000, 5);
      bullPerS = Math.round(N / ((now() - t2) / 1000));
      process.stdout.write(`   BullMQ alone: ${bullPerS} jobs/s (ratio ${(tasksPerS / bullPerS).toFixed(2)})\n`);
      await worker.close();
      await q.close();
      conn.disconnect();
    }
    if (parts.has(4)) {
      // 4. Cancel latency.
      process.stdout.write("4. cancel: 50 pending tasks, 25 running\n");
      const cx = await stack("copr:bench-cancel:");
      const controlConn = new Redis(redis.url("copr-web"), { maxRetriesPerRequest: null });
      const control = new ControlQueue({ connection: controlConn, prefix: cx.web.keys.bullPrefix() });
      const [agent] = await cx.agents(1, { slots: 25, buildMs: 600_000 });
      const running: string[] = [];
      for (let i = 0; i < 25; i++) running.push(await cx.submit("c", "p"));
      await until("25 running", () => agent?.running.size === 25, 60_000);
      const pending: string[] = [];
      for (let i = 0; i < 50; i++) pending.push(await cx.submit("c", "p"));
      const cancelMs = async (taskId: string): Promise<number> => {
        const buildId = Number(taskId.slice(0, taskId.indexOf("-")));
        const start = now();
        await control.control({ kind: "cancel-build", buildId, by: "bench" });
        await until(`${taskId} canceled`, async () => {
          const t = await cx.web.builds.getTask(taskId);
          return t !== null && isFinal(t.state);
        }, 30_000, 2);
        return now() - start;
      };
      const pendingMs: number[] = [];
      for (const id of pending) pendingMs.push(await cancelMs(id));
      const runningMs: number[] = [];
      for (const id of running) runningMs.push(await cancelMs(id));
      cancel = { pending_p99: pct(pendingMs, 99), running_p99: pct(runningMs, 99) };
      process.stdout.write(`   pending p50 ${pct(pendingMs, 50)} ms p99 ${cancel.pending_p99} ms; running p50 ${pct(runningMs, 50)} ms p99 ${cancel.running_p99} ms\n`);
      await control.close();
      controlConn.disconnect();
      await cx.close();
    }

    const result = {
      a_queued: 3000,
      b_wait_slots: aBeforeB,
      b_wait_ms: bWaitMs,
      dispatch_ms_at_100k: dispatch,
      tasks_per_s: tasksPerS,
      bullmq_jobs_per_s: bullPerS,
      cancel_ms: cancel,
    };
    console.log(JSON.stringify(result));
    if (parts.size < 4) return; // a partial run (BENCH_PARTS) does not overwrite the results
    await mkdir(dirname(resultsFile), { recursive: true });
    await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await Promise.allSettled([broker.close(), redis.close()]);
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error("bench failed:", err);
  process.exit(1);
});
