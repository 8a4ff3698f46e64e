import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";

/**
 * Task jobs, one BullMQ queue per architecture so that a backlog of one
 * arch never delays another (no head-of-line blocking). A job is a pointer
 * to a task in the store: `{ taskId, attempt }`; its id makes enqueueing the
 * same attempt twice a no-op.
 */
export const taskJobSchema = z.object({ taskId: z.string().min(1), attempt: z.number().int().min(0) });
export type TaskJob = z.output<typeof taskJobSchema>;

/** Control requests from copr-web to Headhunter (the only writer of task state). */
export const controlJobSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("cancel-build"), buildId: z.number().int().positive(), by: z.string() }),
]);
export type ControlJob = z.output<typeof controlJobSchema>;

export const CONTROL_QUEUE = "control";

export function taskQueueName(arch: string): string {
  return `tasks-${arch}`;
}

/** The Redis stream BullMQ writes a queue's events to (its key scheme: `<prefix>:<queue>:events`). */
export function queueEventsKey(bullPrefix: string, queueName: string): string {
  return `${bullPrefix}:${queueName}:events`;
}

export function taskJobId(job: TaskJob): string {
  return `${job.taskId}@${job.attempt}`;
}

export interface QueueConnection {
  /** A Redis connection BullMQ may use (it must have maxRetriesPerRequest: null for workers). */
  connection: Redis;
  /** BullMQ key prefix, from the store's key scheme. */
  prefix: string;
}

/** Producer side: copr-web enqueues, Headhunter re-enqueues retries. */
export class TaskQueues {
  readonly #conn: QueueConnection;
  readonly #queues = new Map<string, Queue>();
  #control: Queue | undefined;
  #closed = false;

  constructor(conn: QueueConnection) {
    this.#conn = conn;
  }

  queue(arch: string): Queue {
    let q = this.#queues.get(arch);
    if (q === undefined) {
      q = new Queue(taskQueueName(arch), { connection: this.#conn.connection, prefix: this.#conn.prefix });
      this.#queues.set(arch, q);
    }
    return q;
  }

  /** Resolves once the job is stored in Redis. */
  async enqueue(arch: string, job: TaskJob): Promise<void> {
    await this.queue(arch).add("build", taskJobSchema.parse(job), {
      jobId: taskJobId(job),
      // A refused handover (e.g. the agent was busy) is tried again 2 s later.
      attempts: 10_000,
      backoff: { type: "fixed", delay: 2000 },
      removeOnComplete: 1000,
      removeOnFail: 5000,
    });
  }

  async control(job: ControlJob): Promise<void> {
    this.#control ??= new Queue(CONTROL_QUEUE, { connection: this.#conn.connection, prefix: this.#conn.prefix });
    await this.#control.add(job.kind, controlJobSchema.parse(job), { removeOnComplete: 1000, removeOnFail: 5000 });
  }

  /** Closes every queue. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#queues.values(), ...(this.#control ? [this.#control] : [])].map((q) => q.close()));
  }
}
