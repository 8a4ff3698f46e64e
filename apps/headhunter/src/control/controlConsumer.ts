import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { isFinal, WORKER_METHODS } from "@copr/domain";
import type { BusLogger, Console } from "@copr/bus";
import { CONTROL_QUEUE, controlJobSchema } from "@copr/queue";
import type { Store } from "@copr/store";
import type { TaskLifecycle } from "../tasks/taskLifecycle.ts";

/**
 * Requests from copr-web (cancel a build) — copr-web never writes task
 * state itself. Pending tasks end `canceled` at once; running ones are
 * stopped on their agent, which then reports `canceled`.
 */
export function consumeControl(deps: {
  store: Store; console: Console; lifecycle: TaskLifecycle; log: BusLogger; connection: Redis; bullPrefix: string;
}): Worker {
  const { store, console, lifecycle, log } = deps;
  const worker = new Worker(
    CONTROL_QUEUE,
    async (job: Job) => {
      const request = controlJobSchema.parse(job.data);
      const build = await store.builds.getBuild(request.buildId);
      if (build === null) return;
      for (const task of await store.builds.getTasks(build.taskIds)) {
        if (isFinal(task.state)) continue;
        if (task.state === "pending" || task.agent === null) {
          await lifecycle.move(task, "canceled", { endedAt: Date.now(), reason: `canceled by ${request.by}` });
          continue;
        }
        try {
          await console.call(task.agent, WORKER_METHODS.cancel, { task_id: task.id, attempt: task.attempt }, { timeoutMs: 15_000 });
        } catch (error) {
          log.warn({ task: task.id, agent: task.agent, err: String(error) }, "agent did not confirm the cancel; canceling the task anyway");
          await lifecycle.move(task, "canceled", { endedAt: Date.now(), reason: `canceled by ${request.by}` });
        }
      }
    },
    { connection: deps.connection, prefix: deps.bullPrefix, concurrency: 4 },
  );
  worker.on("error", (err) => log.warn({ err: err.message }, "control queue error"));
  return worker;
}
