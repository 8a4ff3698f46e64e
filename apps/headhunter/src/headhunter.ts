import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Worker } from "bullmq";
import { BusConnection, Console, Signals, type BusConfig, type BusLogger, type Subscription } from "@copr/bus";
import { connectRedis, Store, type RedisTarget, type SentinelTarget, type Task } from "@copr/store";
import { AgentPool } from "./agents/agentPool.ts";
import { askAgentAttempts } from "./agents/agentAttempts.ts";
import { AgentWatch } from "./agents/agentWatch.ts";
import { HeadhunterLease } from "./leader/headhunterLease.ts";
import { consumeControl } from "./control/controlConsumer.ts";
import { Dispatcher } from "./dispatch/dispatcher.ts";
import { SchedulerSync } from "./dispatch/schedulerSync.ts";
import { SchedulerWriteBack } from "./dispatch/schedulerWriteBack.ts";
import { consumeStatus } from "./status/statusConsumer.ts";
import { RepoJobs } from "./publish/repoJobs.ts";
import { SignJobs } from "./publish/signJobs.ts";
import type { PublishedTask } from "./publish/publishedTask.ts";
import { resultDirName } from "@copr/repo";
import { HeadhunterMetrics, standbyRegistry } from "./metrics/headhunterMetrics.ts";
import { startMetricsServer, type MetricsServer, type Registry } from "@copr/metrics";
import { LiveDataRetention } from "./tasks/liveDataRetention.ts";
import { DEFAULT_POLICY, type SchedulingPolicy } from "./scheduling/policy.ts";
import { BatchGate } from "./scheduling/batchGate.ts";
import { Scheduler } from "./scheduling/scheduler.ts";
import { CoprTopics } from "./tasks/coprTopics.ts";
import { TaskLifecycle, schedTaskOf } from "./tasks/taskLifecycle.ts";

export interface HeadhunterOptions {
  bus: BusConfig;
  /** Redis URL with Headhunter's ACL user; with `redisSentinel`, only its user, password and db are used. */
  redisUrl: string;
  /** A Sentinel group that names the Redis master (a three-node setup); absent: the URL's server. */
  redisSentinel?: SentinelTarget | undefined;
  redisPrefix: string;
  webUrl: string;
  log: BusLogger;
  /** Timeout of the check and `build` handover calls, ms. */
  callTimeoutMs: number;
  missedIntervals: number;
  /** Fair share and limits; default DEFAULT_POLICY. */
  policy?: SchedulingPolicy;
  /** Seconds an ended task's live log and an ended build's events stay in Redis; default 86400. */
  liveGraceS?: number;
  onDispatched?: (task: Task, agent: string, ms: number) => void;
  /** Serve Prometheus metrics at http://HOST:PORT/metrics (port 0: any free one); absent: not served. */
  metrics?: { host: string; port: number };
  /** This instance's id in the lease (several Headhunters: one active, the others standing by); default host:pid:random. */
  instanceId?: string;
  /** How long the lease lives without renewal, ms: a standby takes over this long after the active one died. Default 5000. */
  leaseTtlMs?: number;
}

export interface Headhunter {
  pool: AgentPool;
  /** Which agents passed the token check (`ready`) or get no work (`refused`). */
  watch: AgentWatch;
  console: Console;
  store: Store;
  scheduler: Scheduler;
  metrics: HeadhunterMetrics;
  /** The /metrics URL, when served. */
  metricsUrl: string | undefined;
  /** This instance's hold on the lease: its id and fencing epoch; `lost` when another took over (this one then closes itself). */
  lease: HeadhunterLease;
  close(): Promise<void>;
}

/** Starts Headhunter: agents, the scheduler and dispatch, status and control consumers, recovery of orphaned tasks. */
export async function startHeadhunter(o: HeadhunterOptions): Promise<Headhunter> {
  const log = o.log;
  const redis: RedisTarget = { url: o.redisUrl, sentinel: o.redisSentinel };
  const store = new Store({ ...redis, prefix: o.redisPrefix });
  // One Headhunter is active: until this one holds the lease, it stands by (and says so on /metrics).
  let served: Registry = standbyRegistry(store.leadership);
  let metricsServer: MetricsServer | undefined;
  let lease: HeadhunterLease;
  try {
    metricsServer = o.metrics === undefined ? undefined : await startMetricsServer(() => served, o.metrics.host, o.metrics.port);
    lease = await HeadhunterLease.take(store.leadership, o.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`, o.leaseTtlMs ?? 5000, log);
  } catch (error) {
    await metricsServer?.close();
    await store.close();
    throw error;
  }
  const connection = connectRedis(redis, { maxRetriesPerRequest: null });
  connection.on("error", () => undefined);
  const bullPrefix = store.keys.bullPrefix();
  const bus = await BusConnection.open(o.bus, { logger: log });
  const signals = new Signals(bus);
  const pool = new AgentPool();
  const topics = new CoprTopics(signals, store, log);
  const writeBack = new SchedulerWriteBack(store, log);
  const scheduler = new Scheduler(o.policy ?? DEFAULT_POLICY, writeBack.hooks);
  const lifecycle = new TaskLifecycle({ store, scheduler, pool, topics, log, epoch: () => lease.epoch, currentEpoch: () => lease.currentEpoch() });
  const metrics = new HeadhunterMetrics({ scheduler, pool, lease, replication: store.replication });
  served = metrics.registry;
  let redisConnected = false;
  store.redis.on("ready", () => {
    if (redisConnected) metrics.reconnected("redis");
    redisConnected = true;
  });
  // Each worker has its own broker user named like it: a heartbeat or reply sent as anyone else is not that worker's.
  const console = await Console.open(bus, {
    missedIntervals: o.missedIntervals, agentIdentity: "broker-user", onCallEnded: (method, outcome, ms) => metrics.rpcCall(method, outcome, ms),
  });
  // A built task is published: its packages signed, then its repository regenerated; then it succeeded.
  const publishing = async (ref: PublishedTask): Promise<Task | null> => {
    const task = await store.builds.getTask(ref.id);
    return task?.state === "publishing" && task.attempt === ref.attempt ? task : null;
  };
  const gaveUp = async (ref: PublishedTask, reason: string): Promise<void> => {
    const task = await publishing(ref);
    if (task !== null) await lifecycle.move(task, "failed", { reason, endedAt: Date.now() });
  };
  const repoJobs = new RepoJobs({
    connection, bullPrefix, console, pool, signals, log,
    onRun: (ms, ok) => metrics.createrepo(ms, ok),
    onPublished: async (ref) => {
      const task = await publishing(ref);
      if (task !== null) await lifecycle.move(task, "succeeded", { endedAt: Date.now() });
    },
    onGaveUp: gaveUp,
  });
  const signJobs = new SignJobs({
    connection, bullPrefix, console, pool, store, log,
    onRun: (ms, ok) => metrics.signed(ms, ok),
    onSigned: (t) => repoJobs.enqueue({ owner: t.owner, project: t.project, chroot: t.chroot, task: { id: t.id, attempt: t.attempt } }),
    onGaveUp: gaveUp,
  });
  const publish = async (task: Task): Promise<void> => {
    const build = await store.builds.getBuild(task.buildId);
    if (build === null) return;
    await signJobs.sign({
      task: { id: task.id, attempt: task.attempt }, owner: task.owner, project: task.project, chroot: task.chroot,
      buildDir: resultDirName(build.id, build.srpm.name),
    });
  };
  lifecycle.onBuilt = publish;
  metrics.signQueueDepth = () => signJobs.depth();

  const dispatcher = new Dispatcher({
    store, bus, console, pool, scheduler, lifecycle, log,
    webUrl: o.webUrl, callTimeoutMs: o.callTimeoutMs, epoch: () => lease.epoch,
    onDispatched: (task, agent, ms) => {
      metrics.dispatched(ms);
      o.onDispatched?.(task, agent, ms);
    },
  });
  lifecycle.onQueued = (arch) => dispatcher.kick([arch]);
  const batches = new BatchGate({
    store, log, hooks: writeBack.hooks,
    release: (task) => {
      if (scheduler.add(schedTaskOf(task))) dispatcher.kick([task.arch]);
    },
    fail: async (task, reason) => {
      await lifecycle.move(task, "failed", { reason, endedAt: Date.now() });
    },
  });
  const liveData = new LiveDataRetention({ store, log, graceS: o.liveGraceS ?? 86_400 });
  lifecycle.onEnded = async (task) => {
    metrics.taskEnded(task);
    await batches.taskEnded(task);
    await liveData.taskEnded(task);
  };
  const sync = new SchedulerSync({
    store, scheduler, log, redis,
    queued: (arches) => dispatcher.kick(arches),
    verify: (task) => dispatcher.verify(task),
    republish: (task) => void publish(task).catch((err: unknown) => log.warn({ task: task.id, err: String(err) }, "could not queue a publishing task's signing job again")),
    hold: (tasks) => batches.hold(tasks),
    moreReasons: () => batches.reasons(),
  });
  pool.on("capacity", (arches) => dispatcher.kick(arches));
  pool.on("arches", (arches) => scheduler.setOnline(arches));

  const status: Subscription = consumeStatus({ signals, store, lifecycle, log, active: () => !lease.isLost });
  await status.ready;
  const control: Worker = consumeControl({
    store, console, lifecycle, log, connection, bullPrefix, callTimeoutMs: o.callTimeoutMs, regenerateRepo: (ref) => repoJobs.enqueue(ref),
    makeKey: (owner, project) => signJobs.makeKey(owner, project), epoch: () => lease.epoch,
  });

  const watch = new AgentWatch({ console, store, pool, log, timeoutMs: o.callTimeoutMs });
  watch.on("gone", (agent, taskIds, reason) => {
    metrics.agentLost();
    void (async () => {
      for (const id of taskIds) {
        const task = await store.builds.getTask(id);
        if (task === null || task.agent !== agent) {
          await store.builds.unassignTask(agent, id);
          continue;
        }
        await lifecycle.retryOrFail(task, reason);
      }
    })().catch((err: unknown) => log.error({ agent, err: String(err) }, "could not requeue a lost agent's tasks"));
  });

  // Learn the live agents, retry tasks whose agent is gone since before this start, then queue every pending task.
  await console.locate(Math.max(1000, o.callTimeoutMs / 5));
  await recoverOrphans(store, console, lifecycle, log, publish, o.callTimeoutMs);
  scheduler.setOnline(pool.arches());
  await sync.start();
  // Nothing was handed over while the broker was away: check and dispatch now.
  const onReconnected = (): void => {
    metrics.reconnected("broker");
    sync.recheck("broker reconnected");
    dispatcher.kick();
  };
  bus.on("reconnected", onReconnected);
  dispatcher.kick();

  let closing: Promise<void> | undefined;
  const hh: Headhunter = {
    pool, watch, console, store, scheduler, metrics, metricsUrl: metricsServer?.url, lease,
    close() {
      closing ??= (async () => {
        await metricsServer?.close();
        bus.off("reconnected", onReconnected);
        dispatcher.close();
        status.close();
        await control.close().catch(() => undefined);
        await signJobs.close();
        await repoJobs.close();
        await sync.close();
        await writeBack.close();
        console.close();
        await bus.close();
        connection.disconnect();
        await lease.release();
        await store.close();
      })();
      return closing;
    },
  };
  // Another Headhunter took over: this one stops acting at once.
  lease.once("lost", () => void hh.close());
  return hh;
}

/**
 * Tasks left starting/running on agents that did not answer the locate
 * request: each such agent is asked (its request queue outlives its
 * connection) which attempts it runs. What it still runs stays with it;
 * the rest, and everything of an agent that does not answer within
 * `timeoutMs`, is retried on another host. A Headhunter taking over from
 * one that died must not start a second copy of a build that runs.
 * Publishing tasks: make sure their signing job is queued (once per
 * attempt; a queued one is not queued twice).
 */
async function recoverOrphans(
  store: Store, console: Console, lifecycle: TaskLifecycle, log: BusLogger, publish: (task: Task) => Promise<void>, timeoutMs: number,
): Promise<void> {
  const unseen = new Map<string, Task[]>();
  const ids = await store.builds.activeTaskIds();
  // Read in batches of a thousand: with 100,000 queued, one read each would make a takeover wait seconds.
  for (let i = 0; i < ids.length; i += 1000) {
    for (const task of await store.builds.getTasks(ids.slice(i, i + 1000))) {
      if (task.state === "pending") continue;
      if (task.state === "publishing") {
        await publish(task);
        continue;
      }
      if (task.agent === null || console.agents.get(task.agent) !== undefined) continue;
      const list = unseen.get(task.agent) ?? [];
      list.push(task);
      unseen.set(task.agent, list);
    }
  }
  await Promise.all([...unseen].map(async ([agent, tasks]) => {
    // What it runs, and what it ran lately (that final report is still on its way to the status queue).
    const runs = await askAgentAttempts(console, agent, timeoutMs).catch(() => undefined);
    for (const task of tasks) {
      if (runs !== undefined && runs(task.id, task.attempt) !== "unknown") {
        log.info({ task: task.id, agent }, "task's agent was not located but runs it or just ran it; it stays there");
        continue;
      }
      log.warn({ task: task.id, agent, answered: runs !== undefined }, "task's agent is gone since before this start");
      await lifecycle.retryOrFail(task, runs === undefined ? `${agent} was gone when Headhunter started` : `${agent} no longer ran it when Headhunter started`);
    }
  }));
}
