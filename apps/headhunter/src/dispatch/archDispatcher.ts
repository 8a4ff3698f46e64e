import { randomUUID } from "node:crypto";
import { QueueEvents, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { BusError, RemoteMethodError, type BusLogger, type Console } from "@copr/bus";
import { DEFAULT_BUILD_TIMEOUT_S, WORKER_METHODS, buildResultSchema, type BuildArgs } from "@copr/domain";
import { queueEventsKey, taskJobSchema, taskQueueName } from "@copr/queue";
import type { Store, Task } from "@copr/store";
import type { AgentPool } from "../agents/agentPool.ts";
import type { TaskLifecycle } from "../tasks/taskLifecycle.ts";

export interface DispatchDeps {
  store: Store;
  console: Console;
  pool: AgentPool;
  lifecycle: TaskLifecycle;
  log: BusLogger;
  /** A Redis connection for BullMQ (maxRetriesPerRequest: null). */
  connection: Redis;
  bullPrefix: string;
  /** Base URL of copr-web, for the SRPM and results URLs given to workers. */
  webUrl: string;
  /** Timeout of the `build` call (the handover, not the build), ms. */
  callTimeoutMs: number;
  /** Called with how long each handover took (bench and logs), ms. */
  onDispatched?: (task: Task, agent: string, ms: number) => void;
}

/**
 * Hands the tasks of one architecture to agents. It takes a job from the
 * arch's queue only when an agent has a free slot, and runs when something
 * changes: a job arrived ("waiting"), a slot freed or an agent appeared.
 * There is no polling loop; one arch's backlog never delays another arch.
 */
export class ArchDispatcher {
  readonly arch: string;
  readonly #deps: DispatchDeps;
  readonly #worker: Worker;
  readonly #queueName: string;
  #events: QueueEvents | undefined;
  readonly #token = randomUUID();
  #running = false;
  #again = false;
  #closed = false;

  constructor(arch: string, deps: DispatchDeps) {
    this.arch = arch;
    this.#deps = deps;
    const name = taskQueueName(arch);
    this.#queueName = name;
    // No processor: jobs are taken by hand when there is capacity.
    this.#worker = new Worker(name, null, { connection: deps.connection, prefix: deps.bullPrefix, autorun: false, lockDuration: 60_000 });
    this.#worker.on("error", (err) => deps.log.warn({ arch, err: err.message }, "task queue error"));
  }

  async start(): Promise<void> {
    // Jobs whose taker died (lock expired) go back to the queue.
    void this.#worker.startStalledCheckTimer().catch((err: unknown) => this.#deps.log.warn({ arch: this.arch, err: String(err) }, "stalled-job check failed"));
    // Follow the queue's events from the newest one there is now, by id: with
    // BullMQ's default ("$", read anew at every blocking read) an event that
    // lands between two reads, or before the first, is missed, and a job
    // would wait for the next unrelated event.
    const [newest] = await this.#deps.connection.xrevrange(queueEventsKey(this.#deps.bullPrefix, this.#queueName), "+", "-", "COUNT", 1);
    if (this.#closed) return;
    const events = new QueueEvents(this.#queueName, { connection: this.#deps.connection.duplicate(), prefix: this.#deps.bullPrefix, lastEventId: newest?.[0] ?? "0-0" });
    this.#events = events;
    events.on("error", (err) => this.#deps.log.warn({ arch: this.arch, err: err.message }, "task queue events error"));
    events.on("waiting", () => this.kick());
    await events.waitUntilReady();
    // Jobs queued before `newest` are in the queue already: take them now.
    this.kick();
  }

  /** Something changed: dispatch as much as capacity allows (coalesces concurrent kicks). */
  kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.#drain()
      .catch((err: unknown) => this.#deps.log.error({ arch: this.arch, err: err instanceof Error ? err.stack : String(err) }, "dispatch pass failed"))
      .finally(() => {
        this.#running = false;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  async #drain(): Promise<void> {
    while (!this.#closed && this.#deps.pool.hasCapacity(this.arch)) {
      const reservation = `reserved:${randomUUID()}`;
      const agent = this.#deps.pool.reserve(this.arch, reservation);
      if (agent === undefined) return;
      let job: Job | undefined;
      try {
        job = (await this.#worker.getNextJob(this.#token, { block: false })) as Job | undefined;
      } catch (error) {
        this.#deps.pool.release(agent, reservation, false);
        throw error;
      }
      if (job === undefined) {
        this.#deps.pool.release(agent, reservation, false);
        return;
      }
      // Hand over without waiting: the next job can go to another slot meanwhile.
      // If it fails before the task moved (Redis away), the job stays active
      // and the stalled-job check puts it back once its lock expires.
      this.#dispatch(job, agent, reservation).catch((err: unknown) => {
        this.#deps.pool.release(agent, reservation, false);
        this.#deps.log.error({ arch: this.arch, job: job.id, err: err instanceof Error ? err.message : String(err) }, "handover failed; the job returns to the queue when its lock expires");
      });
    }
  }

  async #dispatch(job: Job, agent: string, reservation: string): Promise<void> {
    const { pool, store, lifecycle, log } = this.#deps;
    const t0 = performance.now();
    const parsed = taskJobSchema.safeParse(job.data);
    const task = parsed.success ? await store.builds.getTask(parsed.data.taskId) : null;
    if (!parsed.success || task === null || task.state !== "pending" || task.attempt !== parsed.data.attempt) {
      // Canceled, already retried, or garbage: nothing to do.
      pool.release(agent, reservation, false);
      await job.moveToCompleted("stale", this.#token, false).catch(() => undefined);
      this.kick();
      return;
    }
    const build = await store.builds.getBuild(task.buildId);
    if (build === null) {
      pool.release(agent, reservation, false);
      await job.moveToFailed(new Error(`build ${task.buildId} of task ${task.id} is missing`), this.#token, false);
      return;
    }
    pool.rename(agent, reservation, task.id);
    await store.builds.assignTask(agent, task.id);
    const hosts = [...task.hosts, agent];
    if (!(await lifecycle.move(task, "starting", { agent, hosts, startedAt: Date.now(), reason: null, builder: null }))) {
      await store.builds.unassignTask(agent, task.id);
      pool.release(agent, task.id);
      await job.moveToCompleted("stale", this.#token, false).catch(() => undefined);
      return;
    }
    const started: Task = { ...task, state: "starting", agent, hosts };
    const args: BuildArgs = {
      task_id: task.id,
      attempt: task.attempt,
      build_id: task.buildId,
      owner: task.owner,
      project: task.project,
      chroot: task.chroot,
      arch: task.arch,
      pkg_name: build.srpm.name,
      srpm_file: `${build.srpm.name}-${build.srpm.version}-${build.srpm.release}.src.rpm`,
      srpm_url: `${this.#deps.webUrl}/api/srpm/${build.id}`,
      srpm_sha256: build.srpm.sha256,
      results_url: `${this.#deps.webUrl}/api/results/${task.id}/${task.attempt}`,
      timeout_s: build.timeoutS ?? DEFAULT_BUILD_TIMEOUT_S,
      enable_net: build.enableNet ?? false,
    };
    try {
      const reply = buildResultSchema.parse(
        await this.#deps.console.call(agent, WORKER_METHODS.build, args, { timeoutMs: this.#deps.callTimeoutMs, idempotencyKey: `${task.id}@${task.attempt}` }),
      );
      const ms = performance.now() - t0;
      log.info({ task: task.id, attempt: task.attempt, agent, host: reply.host, ms: Math.round(ms * 100) / 100 }, "task handed over");
      this.#deps.onDispatched?.(started, agent, ms);
      await job.moveToCompleted({ agent, host: reply.host }, this.#token, false);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      if (error instanceof RemoteMethodError) {
        // The agent answered and refused (e.g. BUSY): same attempt, try again later.
        log.warn({ task: task.id, agent, err: text }, "agent refused the task");
        if (await lifecycle.move(started, "pending", { agent: null, hosts: task.hosts, reason: `${agent} refused: ${text}` })) {
          await job.moveToFailed(error, this.#token, false);
        }
      } else {
        // No answer: the agent may have started it. Count a host and move on.
        log.warn({ task: task.id, agent, err: text, code: error instanceof BusError ? error.code : undefined }, "handover failed");
        await job.moveToCompleted("handover-failed", this.#token, false).catch(() => undefined);
        void this.#deps.console.call(agent, WORKER_METHODS.cancel, { task_id: task.id, attempt: task.attempt }, { timeoutMs: 5000 }).catch(() => undefined);
        await lifecycle.retryOrFail(started, `${agent} did not take the task: ${text}`);
      }
    }
  }

  /** Stops taking jobs. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([this.#events?.close(), this.#worker.close()]);
  }
}
