import type { Redis } from "ioredis";
import type { BusLogger } from "@copr/bus";
import { connectRedis, type RedisTarget, type Store, type Task } from "@copr/store";
import type { Scheduler } from "../scheduling/scheduler.ts";
import { schedTaskOf } from "../tasks/taskLifecycle.ts";

export interface SchedulerSyncDeps {
  store: Store;
  scheduler: Scheduler;
  log: BusLogger;
  /** Where Redis is, for the inbox's blocking reads (a connection of their own). */
  redis: RedisTarget;
  /** Tasks of these arches were queued: dispatch. */
  queued: (arches: Set<string>) => void;
  /** A task found `starting` that no handover here knows of: ask its agent. */
  verify: (task: Task) => void;
  /**
   * A task found `publishing`: make sure its signing job is queued (a job
   * written just before a Redis failover may not have reached the replica).
   */
  republish?: (task: Task) => void;
  /** Wait reasons published by others than the scheduler (held batches), written again with the scheduler's. */
  moreReasons?: () => ReadonlyMap<string, string>;
  /** Pending tasks to hold back (their batch waits) instead of queueing: returns the ids held. */
  hold?: (tasks: readonly Task[]) => Promise<Set<string>>;
}

/**
 * Keeps Headhunter's in-memory scheduler in step with Redis: loads usage
 * and shares, follows the inbox copr-web writes with each build, and runs
 * the consistency check (every pending task queued, every starting or
 * running task counted, every publishing task's job queued) at start and
 * after every Redis or broker reconnect. (SchedulerWriteBack writes usage and reasons back.)
 */
export class SchedulerSync {
  readonly #deps: SchedulerSyncDeps;
  readonly #reader: Redis;
  #cursor = "0-0";
  #closed = false;
  #follow: Promise<void> | undefined;
  #checking: Promise<void> | undefined;
  #checkAgain = false;

  constructor(deps: SchedulerSyncDeps) {
    this.#deps = deps;
    this.#reader = connectRedis(deps.redis, { maxRetriesPerRequest: null, lazyConnect: true });
    this.#reader.on("error", () => undefined);
  }

  /** Loads usage and shares, queues every pending task, then follows the inbox. */
  async start(): Promise<void> {
    const { store, scheduler } = this.#deps;
    // Read the cursor first: whatever is queued after it is seen by the follower, before it by the check.
    this.#cursor = await store.scheduling.inboxCursor();
    for (const [owner, u] of await store.scheduling.usage()) scheduler.ledger.restore(owner, u);
    for (const [owner, share] of await store.scheduling.shares()) scheduler.setShare(owner, share);
    await this.check("start");
    await this.#reader.connect();
    // After Redis comes back, check again: anything may have happened meanwhile.
    store.redis.on("ready", () => this.recheck("Redis reconnected"));
    this.#follow = this.#followInbox();
  }

  /** Runs the consistency check (coalesced: one at a time, once more if asked during one). */
  recheck(why: string): void {
    if (this.#closed) return;
    if (this.#checking !== undefined) {
      this.#checkAgain = true;
      return;
    }
    this.#checking = this.check(why)
      .catch((err: unknown) => this.#deps.log.warn({ err: String(err) }, "consistency check failed; it runs again at the next reconnect"))
      .finally(() => {
        this.#checking = undefined;
        if (this.#checkAgain) {
          this.#checkAgain = false;
          this.recheck(why);
        }
      });
  }

  /**
   * Every active task in Redis against the scheduler: a pending task that is
   * not queued is queued; a starting or running one is counted, and a
   * starting one is verified with its agent. Scans the active tasks once.
   */
  async check(why: string): Promise<void> {
    const { store, scheduler, log } = this.#deps;
    const ids = await store.builds.activeTaskIds();
    const arches = new Set<string>();
    for (let i = 0; i < ids.length; i += 1000) {
      const tasks = await store.builds.getTasks(ids.slice(i, i + 1000));
      for (const arch of await this.#queue(tasks)) arches.add(arch);
      for (const task of tasks) {
        if (task.state === "publishing") this.#deps.republish?.(task);
        if (task.state !== "starting" && task.state !== "running") continue;
        if (!scheduler.isRunning(task.id)) scheduler.restoreRunning(schedTaskOf(task), task.startedAt ?? Date.now());
        if (task.state === "starting") this.#deps.verify(task);
      }
    }
    await store.scheduling.replaceReasons(new Map([...scheduler.reasons(), ...(this.#deps.moreReasons?.() ?? [])]));
    log.info({ why, active: ids.length, pending: scheduler.queuedCount, running: scheduler.runningCount }, "scheduler checked against Redis");
    if (arches.size > 0) this.#deps.queued(arches);
  }

  /** Queues the pending tasks among `tasks` that the scheduler does not have yet (unless their batch holds them); returns their arches. */
  async #queue(tasks: readonly Task[]): Promise<Set<string>> {
    const { scheduler } = this.#deps;
    const fresh = tasks.filter((t) => t.state === "pending" && !scheduler.isRunning(t.id) && !scheduler.isQueued(t.id, t.attempt));
    const held = (await this.#deps.hold?.(fresh)) ?? new Set<string>();
    const arches = new Set<string>();
    for (const task of fresh) {
      if (!held.has(task.id) && scheduler.add(schedTaskOf(task))) arches.add(task.arch);
    }
    return arches;
  }

  async #followInbox(): Promise<void> {
    const { store, scheduler, log } = this.#deps;
    let failed = false;
    while (!this.#closed) {
      try {
        const entries = await store.scheduling.readInbox(this.#reader, this.#cursor, 5000);
        if (failed) {
          failed = false;
          this.recheck("inbox readable again");
        }
        for (const e of entries) {
          if (e.kind !== "share") continue;
          scheduler.setShare(e.owner, await store.scheduling.share(e.owner));
          log.info({ owner: e.owner, share: scheduler.ledger.share(e.owner) }, "owner's share changed");
        }
        const ids = entries.flatMap((e) => (e.kind === "task" && e.taskId !== "" ? [e.taskId] : []));
        const arches = await this.#queue(await store.builds.getTasks(ids));
        const last = entries.at(-1);
        if (last !== undefined) this.#cursor = last.id;
        if (arches.size > 0) this.#deps.queued(arches);
      } catch (error) {
        if (this.#closed) return;
        if (!failed) log.warn({ err: String(error) }, "cannot read the scheduler inbox; trying again");
        failed = true;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 1000);
          this.#reader.once("ready", () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    }
  }

  /** Stops following the inbox and writes what is pending. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.disconnect();
    await this.#follow?.catch(() => undefined);
    await this.#checking;
  }
}
