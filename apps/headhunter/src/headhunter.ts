import { Redis } from "ioredis";
import type { Worker } from "bullmq";
import { BusConnection, Console, Signals, type BusConfig, type BusLogger, type Subscription } from "@copr/bus";
import { TaskQueues } from "@copr/queue";
import { Store, type Task } from "@copr/store";
import { AgentPool } from "./agents/agentPool.ts";
import { AgentWatch } from "./agents/agentWatch.ts";
import { consumeControl } from "./control/controlConsumer.ts";
import { ArchDispatcher } from "./dispatch/archDispatcher.ts";
import { consumeStatus } from "./status/statusConsumer.ts";
import { RepoJobs } from "./repo/repoJobs.ts";
import { CoprTopics } from "./tasks/coprTopics.ts";
import { TaskLifecycle } from "./tasks/taskLifecycle.ts";

export interface HeadhunterOptions {
  bus: BusConfig;
  redisUrl: string;
  redisPrefix: string;
  webUrl: string;
  log: BusLogger;
  /** Timeout of the check and `build` handover calls, ms. */
  callTimeoutMs: number;
  missedIntervals: number;
  onDispatched?: (task: Task, agent: string, ms: number) => void;
}

export interface Headhunter {
  pool: AgentPool;
  /** Which agents passed the token check (`ready`) or get no work (`refused`). */
  watch: AgentWatch;
  console: Console;
  store: Store;
  close(): Promise<void>;
}

/** Starts Headhunter: agents, dispatch per arch, status and control consumers, recovery of orphaned tasks. */
export async function startHeadhunter(o: HeadhunterOptions): Promise<Headhunter> {
  const log = o.log;
  const store = new Store({ url: o.redisUrl, prefix: o.redisPrefix });
  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  connection.on("error", () => undefined);
  const bullPrefix = store.keys.bullPrefix();
  const queues = new TaskQueues({ connection, prefix: bullPrefix });
  const bus = await BusConnection.open(o.bus, { logger: log });
  const signals = new Signals(bus);
  const pool = new AgentPool();
  const topics = new CoprTopics(signals, store, log);
  const lifecycle = new TaskLifecycle({ store, queues, pool, topics, log });
  // Each worker has its own broker user named like it: a heartbeat or reply sent as anyone else is not that worker's.
  const console = await Console.open(bus, { missedIntervals: o.missedIntervals, agentIdentity: "broker-user" });
  const repoJobs = new RepoJobs({ connection, bullPrefix, console, pool, signals, log });
  lifecycle.onSucceeded = (task) => repoJobs.enqueue({ owner: task.owner, project: task.project, chroot: task.chroot });

  const dispatchers = new Map<string, ArchDispatcher>();
  const dispatcher = (arch: string): ArchDispatcher => {
    let d = dispatchers.get(arch);
    if (d === undefined) {
      d = new ArchDispatcher(arch, {
        store, console, pool, lifecycle, log, connection, bullPrefix,
        webUrl: o.webUrl, callTimeoutMs: o.callTimeoutMs, onDispatched: o.onDispatched,
      });
      dispatchers.set(arch, d);
      void d.start().catch((err: unknown) => log.error({ arch, err: String(err) }, "dispatcher did not start"));
    }
    return d;
  };
  pool.on("capacity", (arches) => {
    for (const a of arches) dispatcher(a).kick();
  });

  const status: Subscription = consumeStatus({ signals, store, lifecycle, log });
  await status.ready;
  const control: Worker = consumeControl({ store, console, lifecycle, log, connection, bullPrefix });

  const watch = new AgentWatch({ console, store, pool, log, timeoutMs: o.callTimeoutMs });
  watch.on("gone", (agent, taskIds, reason) => {
    void (async () => {
      for (const id of taskIds) {
        const task = await store.builds.getTask(id);
        if (task === null) {
          await store.builds.unassignTask(agent, id);
          continue;
        }
        if (task.agent !== agent) {
          await store.builds.unassignTask(agent, id);
          continue;
        }
        await lifecycle.retryOrFail(task, reason);
      }
    })().catch((err: unknown) => log.error({ agent, err: String(err) }, "could not requeue a lost agent's tasks"));
  });

  // Learn the live agents, then recover tasks whose agent is gone while Headhunter was down.
  await console.locate(Math.max(1000, o.callTimeoutMs / 5));
  await recoverOrphans(store, console, lifecycle, queues, log);

  let closing: Promise<void> | undefined;
  return {
    pool, watch, console, store,
    close() {
      closing ??= (async () => {
        status.close();
        await control.close().catch(() => undefined);
        await repoJobs.close();
        await Promise.allSettled([...dispatchers.values()].map((d) => d.close()));
        console.close();
        await bus.close();
        await queues.close();
        connection.disconnect();
        await store.close();
      })();
      return closing;
    },
  };
}

/** Tasks left starting/running on agents that are not alive: retry; pending tasks: make sure they are queued. */
async function recoverOrphans(store: Store, console: Console, lifecycle: TaskLifecycle, queues: TaskQueues, log: BusLogger): Promise<void> {
  for (const id of await store.builds.activeTaskIds()) {
    const task = await store.builds.getTask(id);
    if (task === null) continue;
    if (task.state === "pending") {
      await queues.enqueue(task.arch, { taskId: task.id, attempt: task.attempt });
    } else if (task.agent !== null && console.agents.get(task.agent) === undefined) {
      log.warn({ task: task.id, agent: task.agent }, "task's agent is gone since before this start");
      await lifecycle.retryOrFail(task, `${task.agent} was gone when Headhunter started`);
    }
  }
}
