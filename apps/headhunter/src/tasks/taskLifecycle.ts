import { MAX_HOSTS_PER_TASK, isFinal, type TaskState } from "@copr/domain";
import type { BusLogger } from "@copr/bus";
import type { TaskQueues } from "@copr/queue";
import { StoreError, type Store, type Task } from "@copr/store";
import type { AgentPool } from "../agents/agentPool.ts";
import type { CoprTopics } from "./coprTopics.ts";

/**
 * Every task state change Headhunter makes, with its side effects: agent
 * bookkeeping, retries on another host (at most MAX_HOSTS_PER_TASK hosts),
 * and Copr-compatible topics. Stale or repeated reports change nothing.
 */
export class TaskLifecycle {
  readonly #store: Store;
  readonly #queues: TaskQueues;
  readonly #pool: AgentPool;
  readonly #topics: CoprTopics;
  readonly #log: BusLogger;

  /** Called after a task succeeded (Headhunter queues the repository regeneration). */
  onSucceeded: (task: Task) => Promise<void> = () => Promise.resolve();

  constructor(deps: { store: Store; queues: TaskQueues; pool: AgentPool; topics: CoprTopics; log: BusLogger }) {
    this.#store = deps.store;
    this.#queues = deps.queues;
    this.#pool = deps.pool;
    this.#topics = deps.topics;
    this.#log = deps.log;
  }

  /** Applies a move if it is still valid for this attempt; false when it was stale. */
  async move(task: Task, to: TaskState, fields: Partial<Task> = {}): Promise<boolean> {
    try {
      await this.#store.builds.transitionTask(task.id, to, fields, task.attempt);
    } catch (error) {
      if (error instanceof StoreError && (error.code === "REFUSED_TRANSITION" || error.code === "NOT_FOUND")) {
        this.#log.debug({ task: task.id, to, err: error.message }, "ignored a stale task move");
        return false;
      }
      throw error;
    }
    this.#log.info({ task: task.id, attempt: task.attempt, from: task.state, to, agent: fields.agent ?? task.agent, reason: fields.reason }, "task moved");
    if (isFinal(to) || to === "pending") await this.#letGo(task);
    await this.#topics.taskChanged({ ...task, ...fields, state: to }, to);
    if (to === "succeeded") await this.onSucceeded({ ...task, ...fields, state: to });
    return true;
  }

  /** The task's host is gone (or failed to take it): retry on another host, or fail after the last one. */
  async retryOrFail(task: Task, reason: string): Promise<void> {
    if (isFinal(task.state)) {
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
      await this.#queues.enqueue(task.arch, { taskId: task.id, attempt: next });
      this.#log.warn({ task: task.id, attempt: next, reason }, "task queued again for another host");
    }
  }

  async #letGo(task: Task): Promise<void> {
    if (task.agent === null) return;
    await this.#store.builds.unassignTask(task.agent, task.id);
    this.#pool.release(task.agent, task.id);
  }
}
