import { MAX_HOSTS_PER_TASK, isFinal, type TaskState } from "@copr/domain";
import type { BusLogger } from "@copr/bus";
import { StoreError, type Store, type Task } from "@copr/store";
import type { AgentPool } from "../agents/agentPool.ts";
import type { Scheduler, SchedTask } from "../scheduling/scheduler.ts";
import type { CoprTopics } from "./coprTopics.ts";

/** The scheduler's view of a stored task. */
export function schedTaskOf(task: Task): SchedTask {
  return {
    id: task.id, buildId: task.buildId, attempt: task.attempt, owner: task.owner, project: task.project,
    arch: task.arch, background: task.background === true, queuedAt: task.queuedAt,
  };
}

/**
 * Every task state change Headhunter makes, with its side effects: the
 * scheduler's queue and running counts, agent bookkeeping, retries on
 * another host (at most MAX_HOSTS_PER_TASK hosts), and Copr-compatible
 * topics. Stale or repeated reports change nothing.
 */
export class TaskLifecycle {
  readonly #store: Store;
  readonly #scheduler: Scheduler;
  readonly #pool: AgentPool;
  readonly #topics: CoprTopics;
  readonly #log: BusLogger;

  /** Called after a task's build succeeded and it moved to publishing (Headhunter queues the signing). */
  onBuilt: (task: Task) => Promise<void> = () => Promise.resolve();
  /** Called after a task ended (batches wait for builds to end). */
  onEnded: (task: Task) => Promise<void> = () => Promise.resolve();
  /** Called when a task was queued (again) for `arch`. */
  onQueued: (arch: string) => void = () => undefined;

  /** The fencing epoch of this Headhunter's lease: every move carries it, and is refused once another Headhunter took over. */
  readonly #epoch: () => number | undefined;
  /** Checks the lease now: the epoch this Headhunter is active under, or null once it lost it (HeadhunterLease.currentEpoch). */
  readonly #currentEpoch: (() => Promise<number | null>) | undefined;

  constructor(deps: {
    store: Store; scheduler: Scheduler; pool: AgentPool; topics: CoprTopics; log: BusLogger; epoch?: () => number; currentEpoch?: () => Promise<number | null>;
  }) {
    this.#epoch = deps.epoch ?? (() => undefined);
    this.#currentEpoch = deps.currentEpoch;
    this.#store = deps.store;
    this.#scheduler = deps.scheduler;
    this.#pool = deps.pool;
    this.#topics = deps.topics;
    this.#log = deps.log;
  }

  /** Applies a move if it is still valid for this attempt; false when it was stale. */
  async move(task: Task, to: TaskState, fields: Partial<Task> = {}): Promise<boolean> {
    try {
      const epoch = this.#epoch();
      await this.#store.builds.transitionTask(task.id, to, fields, task.attempt, epoch).catch(async (error: unknown) => {
        // Refused under this epoch: if this instance took the lease again under a newer one (a Redis failover), move under that.
        const now = error instanceof StoreError && error.code === "FENCED" ? await this.#currentEpoch?.() : undefined;
        if (now === undefined || now === null || now === epoch) throw error;
        await this.#store.builds.transitionTask(task.id, to, fields, task.attempt, now);
      });
    } catch (error) {
      if (error instanceof StoreError && error.code === "FENCED") {
        this.#log.warn({ task: task.id, to, err: error.message }, "another Headhunter is active: this one's task move was refused");
        return false;
      }
      if (error instanceof StoreError && (error.code === "REFUSED_TRANSITION" || error.code === "NOT_FOUND")) {
        this.#log.debug({ task: task.id, to, err: error.message }, "ignored a stale task move");
        return false;
      }
      throw error;
    }
    const moved: Task = { ...task, ...fields, state: to };
    this.#log.info({ task: task.id, attempt: moved.attempt, from: task.state, to, agent: moved.agent, reason: fields.reason }, "task moved");
    // Publishing needs no builder: the slot is free for the next build.
    if (isFinal(to) || to === "pending" || to === "publishing") {
      const now = Date.now();
      // A handover that was refused did not run; anything that got as far as an agent counts its time.
      this.#scheduler.finish(task.id, now, task.state === "running" || isFinal(to) || to === "publishing");
      this.#scheduler.remove(task.id);
      await this.#letGo(task);
    }
    if (to === "pending") {
      this.#scheduler.add(schedTaskOf(moved));
      this.onQueued(moved.arch);
    }
    await this.#topics.taskChanged(moved, to);
    if (to === "publishing") await this.onBuilt(moved);
    if (isFinal(to)) await this.onEnded(moved);
    return true;
  }

  /** The task's host is gone (or failed it): retry on another host, or fail after the last one. */
  async retryOrFail(task: Task, reason: string): Promise<void> {
    // A publishing task's build is done: losing its builder's agent changes nothing.
    if (isFinal(task.state) || task.state === "publishing") {
      await this.#letGo(task);
      return;
    }
    if (task.attempt + 1 >= MAX_HOSTS_PER_TASK) {
      const hosts = task.hosts.join(", ");
      await this.move(task, "failed", { reason: `${reason}; gave up after ${MAX_HOSTS_PER_TASK} hosts (${hosts})`, endedAt: Date.now() });
      return;
    }
    const next = task.attempt + 1;
    if (await this.move(task, "pending", { attempt: next, agent: null, reason })) {
      this.#log.warn({ task: task.id, attempt: next, reason }, "task queued again for another host");
    }
  }

  async #letGo(task: Task): Promise<void> {
    if (task.agent === null) return;
    await this.#store.builds.unassignTask(task.agent, task.id);
    this.#pool.release(task.agent, task.id);
  }
}
