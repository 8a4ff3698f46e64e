import { Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { RemoteMethodError, type BusLogger, type Console } from "@copr/bus";
import type { Store } from "@copr/store";
import type { AgentPool } from "../agents/agentPool.ts";
import { CapableCaller } from "./capableCaller.ts";
import { gaveUp, type PublishedTask, publishedTaskSchema } from "./publishedTask.ts";

/** The third job type: sign a build's packages, or make a project's key, on an agent configured as a signer. */
export const SIGN_QUEUE = "sign";

const signJobSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("sign"), task: publishedTaskSchema,
    owner: z.string(), project: z.string(), chroot: z.string(), buildDir: z.string(),
  }),
  z.object({ kind: z.literal("key"), owner: z.string(), project: z.string() }),
]);
type SignJob = z.output<typeof signJobSchema>;
const signReply = z.object({ fingerprint: z.string(), packages: z.number().int(), bytes_added: z.number().int(), duration_ms: z.number() });
const keyReply = z.object({ fingerprint: z.string() });

/** The signer's answers that will not change on another try (see libs/sign/README.md). */
const FINAL_CODES: ReadonlySet<string> = new Set(["INVALID_NAME", "NO_PACKAGES", "INVALID_ARGUMENTS", "METHOD_NOT_FOUND", "FORBIDDEN"]);
/** A failed job is tried again after 2, 4, 8 … s, 12 times (about 2 h in all). A signer that is down makes jobs wait without using attempts. */
const ATTEMPTS = 12;

export interface SignedTask extends PublishedTask {
  owner: string;
  project: string;
  chroot: string;
}

/**
 * Queues signing jobs in Redis (BullMQ: they survive a Headhunter or
 * signer restart and are retried, never lost) and hands each to an agent
 * announcing `sign`, several at a time and spread over several signers. A
 * task's packages are signed after its build uploaded them and before its
 * repository is regenerated; project keys are made when projects are
 * created, so they exist before the first build ends.
 */
export class SignJobs {
  readonly #queue: Queue;
  readonly #worker: Worker;
  readonly #closing = new AbortController();

  constructor(deps: {
    connection: Redis; bullPrefix: string; console: Console; pool: AgentPool; store: Store; log: BusLogger;
    /** Signing calls in progress at once, over all signers; default 16. */
    concurrency?: number;
    /** The task's packages are signed: publish them. */
    onSigned: (task: SignedTask) => Promise<void>;
    /** The task's packages could not be signed: it fails with `reason`. */
    onGaveUp: (task: PublishedTask, reason: string) => Promise<void>;
    /** Each signing call's time on the signer and outcome (metrics). */
    onRun?: (ms: number, ok: boolean) => void;
  }) {
    const { store, log } = deps;
    const onRun = deps.onRun ?? (() => undefined);
    const caller = new CapableCaller(deps, "sign", "start a signer: a worker with COPR_WORKER_SIGN_KEYS_DIR and COPR_WORKER_RESULTS_DIR on the results host", this.#closing.signal);
    this.#queue = new Queue(SIGN_QUEUE, { connection: deps.connection, prefix: deps.bullPrefix });
    this.#worker = new Worker(
      SIGN_QUEUE,
      async (job: Job) => {
        const data = signJobSchema.parse(job.data);
        try {
          if (data.kind === "key") {
            const { reply } = await caller.call("sign-key", { owner: data.owner, project: data.project }, 5 * 60_000);
            const r = keyReply.parse(reply);
            await store.projects.setSigningKey(data.owner, data.project, r.fingerprint);
            log.info({ owner: data.owner, project: data.project, fingerprint: r.fingerprint }, "project signing key ready");
            return;
          }
          const task = await store.builds.getTask(data.task.id);
          // Deleted, or moved on since (another attempt): nothing to sign for this job.
          if (task?.state !== "publishing" || task.attempt !== data.task.attempt) return;
          const started = Date.now();
          let r: z.output<typeof signReply>;
          let agent: string;
          try {
            const called = await caller.call("sign", { owner: data.owner, project: data.project, chroot: data.chroot, build_dir: data.buildDir }, 10 * 60_000);
            agent = called.agent;
            r = signReply.parse(called.reply);
          } catch (error) {
            onRun(Date.now() - started, false);
            throw error;
          }
          onRun(r.duration_ms, true);
          await store.projects.setSigningKey(data.owner, data.project, r.fingerprint);
          await store.projects.addDiskBytes(data.owner, data.project, r.bytes_added);
          log.info({ task: data.task.id, agent, packages: r.packages, ms: r.duration_ms }, "packages signed");
          await deps.onSigned({ ...data.task, owner: data.owner, project: data.project, chroot: data.chroot });
        } catch (error) {
          if (error instanceof RemoteMethodError && FINAL_CODES.has(error.remoteCode)) throw new UnrecoverableError(error.message);
          throw error;
        }
      },
      { connection: deps.connection, prefix: deps.bullPrefix, concurrency: deps.concurrency ?? 16 },
    );
    this.#worker.on("error", (err) => log.warn({ err: err.message }, "sign queue error"));
    this.#worker.on("failed", (job, err) => {
      const data = job === undefined ? undefined : signJobSchema.safeParse(job.data).data;
      const final = job !== undefined && gaveUp(job, err);
      log.warn({ job: data, err: err.message, final }, final ? "signing failed for good" : "signing failed; will retry");
      if (data?.kind !== "sign" || !final) return;
      deps.onGaveUp(data.task, `its packages could not be signed: ${err.message}`).catch((e: unknown) => log.error({ task: data.task.id, err: String(e) }, "could not fail a task"));
    });
  }

  /** Queues signing a task attempt's packages (once per attempt, however often it is asked). */
  async sign(job: Omit<Extract<SignJob, { kind: "sign" }>, "kind">): Promise<void> {
    await this.#queue.add("sign", signJobSchema.parse({ kind: "sign", ...job }), {
      jobId: `sign.${job.task.id}.${job.task.attempt}`,
      attempts: ATTEMPTS,
      backoff: { type: "exponential", delay: 2000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  /** Queues making a project's key (one job per project at a time). */
  async makeKey(owner: string, project: string): Promise<void> {
    await this.#queue.add("key", signJobSchema.parse({ kind: "key", owner, project }), {
      jobId: `key.${owner}/${project}`,
      attempts: ATTEMPTS,
      backoff: { type: "exponential", delay: 2000 },
      removeOnComplete: true,
      removeOnFail: 1000,
    });
  }

  /** Jobs waiting or running (metrics). */
  async depth(): Promise<number> {
    const counts = await this.#queue.getJobCounts("waiting", "active", "delayed", "prioritized");
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  /** Stops taking jobs without waiting for the ones in progress: they keep their place and run again (signing twice is harmless). */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.allSettled([this.#worker.close(true), this.#queue.close()]);
  }
}
