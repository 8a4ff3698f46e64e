import { once } from "node:events";
import { Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { repoDomain, type BusLogger, type Console, type Signals } from "@copr/bus";
import type { AgentPool } from "../agents/agentPool.ts";

/** The second job type: regenerate one chroot's repository where the results live. */
export const REPO_QUEUE = "repo";
const repoJobSchema = z.object({ owner: z.string(), project: z.string(), chroot: z.string() });
const createrepoReply = z.object({ dir: z.string(), packages: z.number().int(), incremental: z.boolean(), duration_ms: z.number() });

/**
 * Queues "regenerate owner/project/chroot" after a task succeeded and hands
 * each job to an agent announcing `createrepo` (the worker beside copr-web's
 * results), then announces `repo.updated` with the changed directory. The
 * agent runs one createrepo_c at a time per directory and coalesces bursts.
 */
export class RepoJobs {
  readonly #queue: Queue;
  readonly #worker: Worker;
  readonly #closing = new AbortController();

  constructor(deps: {
    connection: Redis; bullPrefix: string; console: Console; pool: AgentPool; signals: Signals; log: BusLogger;
    /** Each createrepo call's time and outcome (metrics). */
    onRun?: (ms: number, ok: boolean) => void;
  }) {
    const { console, pool, signals, log } = deps;
    const onRun = deps.onRun ?? (() => undefined);
    this.#queue = new Queue(REPO_QUEUE, { connection: deps.connection, prefix: deps.bullPrefix });
    this.#worker = new Worker(
      REPO_QUEUE,
      async (job: Job) => {
        const ref = repoJobSchema.parse(job.data);
        const agent = await this.#capableAgent(pool, log);
        const started = Date.now();
        let r: z.output<typeof createrepoReply>;
        try {
          r = createrepoReply.parse(await console.call(agent, "createrepo", ref, { timeoutMs: 15 * 60_000 }));
        } catch (error) {
          onRun(Date.now() - started, false);
          throw error;
        }
        onRun(r.duration_ms, true);
        log.info({ ...ref, agent, packages: r.packages, incremental: r.incremental, ms: r.duration_ms }, "repository regenerated");
        await signals.publish(repoDomain, "updated", { primary_uid: r.dir, ...ref, path: r.dir, packages: r.packages });
      },
      { connection: deps.connection, prefix: deps.bullPrefix, concurrency: 2 },
    );
    this.#worker.on("error", (err) => log.warn({ err: err.message }, "repo queue error"));
    this.#worker.on("failed", (job, err) => log.warn({ job: job?.data as unknown, err: err.message }, "repository regeneration failed; will retry"));
  }

  /**
   * An agent offering createrepo; while there is none, the job waits for one
   * (its lock is kept) instead of failing and retrying in a loop.
   */
  async #capableAgent(pool: AgentPool, log: BusLogger): Promise<string> {
    let warned = false;
    for (;;) {
      const agent = pool.capable("createrepo");
      if (agent !== undefined) return agent;
      if (!warned) log.warn({}, "no ready agent offers createrepo; the repository job waits for one (start a worker with COPR_WORKER_RESULTS_DIR on the results host)");
      warned = true;
      await once(pool, "capacity", { signal: this.#closing.signal });
    }
  }

  async enqueue(ref: z.input<typeof repoJobSchema>): Promise<void> {
    await this.#queue.add("createrepo", repoJobSchema.parse(ref), {
      attempts: 20,
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
