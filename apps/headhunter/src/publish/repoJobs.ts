import { Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { repoDomain, type BusLogger, type Console, type Signals } from "@copr/bus";
import type { AgentPool } from "../agents/agentPool.ts";
import { CapableCaller } from "./capableCaller.ts";
import { gaveUp, type PublishedTask, publishedTaskSchema } from "./publishedTask.ts";

/** The second job type: regenerate one chroot's repository where the results live. */
export const REPO_QUEUE = "repo";
const repoJobSchema = z.object({
  owner: z.string(), project: z.string(), chroot: z.string(),
  /** The task whose signed packages this run publishes: it succeeds once the run is done. */
  task: publishedTaskSchema.optional(),
});
const createrepoReply = z.object({ dir: z.string(), packages: z.number().int(), incremental: z.boolean(), duration_ms: z.number() });
const ATTEMPTS = 20;

/**
 * Queues "regenerate owner/project/chroot" (after a task's packages were
 * signed, after deletions) and hands each job to an agent announcing
 * `createrepo` (the worker beside copr-web's results), then announces
 * `repo.updated` with the changed directory and lets the task that waited
 * for it succeed. The agent runs one createrepo_c at a time per directory
 * and coalesces bursts.
 */
export class RepoJobs {
  readonly #queue: Queue;
  readonly #worker: Worker;
  readonly #closing = new AbortController();

  constructor(deps: {
    connection: Redis; bullPrefix: string; console: Console; pool: AgentPool; signals: Signals; log: BusLogger;
    /** The task's packages are in its repository: it may succeed. */
    onPublished: (task: PublishedTask) => Promise<void>;
    /** The repository could not be regenerated after every attempt: the task fails with `reason`. */
    onGaveUp: (task: PublishedTask, reason: string) => Promise<void>;
    /** Each createrepo call's time and outcome (metrics). */
    onRun?: (ms: number, ok: boolean) => void;
  }) {
    const { signals, log } = deps;
    const onRun = deps.onRun ?? (() => undefined);
    const caller = new CapableCaller(deps, "createrepo", "start a worker with COPR_WORKER_RESULTS_DIR on the results host", this.#closing.signal);
    this.#queue = new Queue(REPO_QUEUE, { connection: deps.connection, prefix: deps.bullPrefix });
    this.#worker = new Worker(
      REPO_QUEUE,
      async (job: Job) => {
        const { task, ...ref } = repoJobSchema.parse(job.data);
        const started = Date.now();
        let r: z.output<typeof createrepoReply>;
        let agent: string;
        try {
          const called = await caller.call("createrepo", ref, 15 * 60_000);
          agent = called.agent;
          r = createrepoReply.parse(called.reply);
        } catch (error) {
          onRun(Date.now() - started, false);
          throw error;
        }
        onRun(r.duration_ms, true);
        log.info({ ...ref, agent, packages: r.packages, incremental: r.incremental, ms: r.duration_ms }, "repository regenerated");
        if (task !== undefined) await deps.onPublished(task);
        await signals.publish(repoDomain, "updated", { primary_uid: r.dir, ...ref, path: r.dir, packages: r.packages });
      },
      { connection: deps.connection, prefix: deps.bullPrefix, concurrency: 4 },
    );
    this.#worker.on("error", (err) => log.warn({ err: err.message }, "repo queue error"));
    this.#worker.on("failed", (job, err) => {
      log.warn({ job: job?.data as unknown, err: err.message }, "repository regeneration failed; will retry");
      const task = job === undefined ? undefined : repoJobSchema.safeParse(job.data).data?.task;
      if (job === undefined || task === undefined || !gaveUp(job, err)) return;
      deps.onGaveUp(task, `its repository could not be regenerated: ${err.message}`).catch((e: unknown) => log.error({ task: task.id, err: String(e) }, "could not fail a task"));
    });
  }

  async enqueue(ref: z.input<typeof repoJobSchema>): Promise<void> {
    await this.#queue.add("createrepo", repoJobSchema.parse(ref), {
      attempts: ATTEMPTS,
      backoff: { type: "exponential", delay: 1000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  /**
   * Stops taking repository jobs without waiting for the ones in progress: a
   * createrepo call may take minutes, and a closing Headhunter must not wait
   * for it. Such a job keeps its place in the queue (its lock expires) and
   * runs again later; regenerating a repository twice is harmless.
   */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.allSettled([this.#worker.close(true), this.#queue.close()]);
  }
}
