import { UnrecoverableError, type Job } from "bullmq";
import { z } from "zod";

/** The task attempt a signing or repository job publishes. */
export const publishedTaskSchema = z.object({ id: z.string(), attempt: z.number().int().min(0) });
export type PublishedTask = z.output<typeof publishedTaskSchema>;

/** Whether a failed job will not run again: it failed for good, or used its last attempt. */
export function gaveUp(job: Job, err: Error): boolean {
  return err instanceof UnrecoverableError || err.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
}
