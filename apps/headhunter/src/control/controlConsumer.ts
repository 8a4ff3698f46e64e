import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { cancelResultSchema, isFinal, WORKER_METHODS } from "@copr/domain";
import type { BusLogger, Console } from "@copr/bus";
import { CONTROL_QUEUE, controlJobSchema } from "@copr/queue";
import type { Store, Task } from "@copr/store";
import type { TaskLifecycle } from "../tasks/taskLifecycle.ts";

/**
 * Requests from copr-web — copr-web never writes task state itself, nor
 * runs createrepo_c or holds signing keys. A deleted build's chroots get
 * their repository regenerated; a new project gets its signing key. Cancels: Pending tasks end `canceled` at once; running ones are
 * stopped on their agent, which then reports `canceled`; a task being
 * handed over is canceled as soon as its agent has it.
 */
export function consumeControl(deps: {
  store: Store; console: Console; lifecycle: TaskLifecycle; log: BusLogger; connection: Redis; bullPrefix: string; callTimeoutMs: number;
  regenerateRepo: (ref: { owner: string; project: string; chroot: string }) => Promise<void>;
  makeKey: (owner: string, project: string) => Promise<void>;
  /** This Headhunter's fencing epoch (cancel calls carry it). */
  epoch?: () => number;
}): Worker {
  const { store, console, lifecycle, log } = deps;
  const cancelTask = async (first: Task, by: string): Promise<void> => {
    // A move can lose a race with the dispatcher (pending → starting): read again and go on from the new state.
    // A publishing task's build is over: there is nothing left to cancel.
    for (let task: Task | null = first; task !== null && !isFinal(task.state) && task.state !== "publishing"; task = await store.builds.getTask(task.id)) {
      if (task.state === "pending" || task.agent === null) {
        if (await lifecycle.move(task, "canceled", { endedAt: Date.now(), reason: `canceled by ${by}` })) return;
        continue;
      }
      let stopping = false;
      try {
        stopping = cancelResultSchema.parse(await console.call(task.agent, WORKER_METHODS.cancel, {
          task_id: task.id, attempt: task.attempt, ...(deps.epoch === undefined ? {} : { headhunter_epoch: deps.epoch() }),
        }, { timeoutMs: deps.callTimeoutMs })).canceled;
      } catch (error) {
        log.warn({ task: task.id, agent: task.agent, err: String(error) }, "agent did not confirm the cancel; canceling the task anyway");
      }
      // The agent stops it and reports `canceled`. If it does not have it (yet: a handover under way
      // cancels it once the agent has it) or did not answer, the task ends here.
      if (stopping || (await lifecycle.move(task, "canceled", { endedAt: Date.now(), reason: `canceled by ${by}` }))) return;
    }
  };
  const worker = new Worker(
    CONTROL_QUEUE,
    async (job: Job) => {
      const request = controlJobSchema.parse(job.data);
      if (request.kind === "regenerate-repo") {
        await deps.regenerateRepo({ owner: request.owner, project: request.project, chroot: request.chroot });
        return;
      }
      if (request.kind === "make-key") {
        await deps.makeKey(request.owner, request.project);
        return;
      }
      const build = await store.builds.getBuild(request.buildId);
      if (build === null) return;
      await Promise.all((await store.builds.getTasks(build.taskIds)).map((t) => cancelTask(t, request.by)));
    },
    { connection: deps.connection, prefix: deps.bullPrefix, concurrency: 16 },
  );
  worker.on("error", (err) => log.warn({ err: err.message }, "control queue error"));
  return worker;
}
