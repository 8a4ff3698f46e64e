import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";

/** Control requests from copr-web to Headhunter (the only writer of task state). */
export const controlJobSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("cancel-build"), buildId: z.number().int().positive(), by: z.string() }),
  // Results were removed (a deleted build): regenerate the chroot's repository.
  z.object({ kind: z.literal("regenerate-repo"), owner: z.string(), project: z.string(), chroot: z.string() }),
  // A new project: its signing key is made now, so it is ready before its first build ends.
  z.object({ kind: z.literal("make-key"), owner: z.string(), project: z.string() }),
]);
export type ControlJob = z.output<typeof controlJobSchema>;

export const CONTROL_QUEUE = "control";

export interface QueueConnection {
  /** A Redis connection BullMQ may use (it must have maxRetriesPerRequest: null for workers). */
  connection: Redis;
  /** BullMQ key prefix, from the store's key scheme. */
  prefix: string;
}

/**
 * copr-web's side of the control queue. (Tasks are not BullMQ jobs: they are
 * queued in the same Redis transaction as their build, for Headhunter's
 * scheduler; see docs/scheduling.md.)
 */
export class ControlQueue {
  readonly #conn: QueueConnection;
  #control: Queue | undefined;
  #closed = false;

  constructor(conn: QueueConnection) {
    this.#conn = conn;
  }

  async control(job: ControlJob): Promise<void> {
    this.#control ??= new Queue(CONTROL_QUEUE, { connection: this.#conn.connection, prefix: this.#conn.prefix });
    await this.#control.add(job.kind, controlJobSchema.parse(job), { removeOnComplete: 1000, removeOnFail: 5000 });
  }

  /** Closes every queue. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#control?.close();
  }
}
