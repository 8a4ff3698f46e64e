import { workerBuildDomain, type BusLogger, type Signals, type Subscription } from "@copr/bus";
import { logProofText, proofFromHash, proofMatches, statusProofText } from "@copr/domain";
import { StoreError, type Store, type Task } from "@copr/store";
import type { TaskLifecycle } from "../tasks/taskLifecycle.ts";

/** Headhunter's durable queue of worker status and log signals. */
export const STATUS_QUEUE = "copr.headhunter.status";

/**
 * Applies workers' status reports to task state (Headhunter is the only
 * writer) and appends their log lines to the live log. Reports for another
 * attempt, or moves the state machine refuses, are ignored.
 */
export function consumeStatus(deps: {
  signals: Signals; store: Store; lifecycle: TaskLifecycle; log: BusLogger;
  /** False once this Headhunter lost the lease: a report it could not apply goes back to the queue, for the active one. */
  active?: () => boolean;
}): Subscription {
  const { signals, store, lifecycle, log } = deps;
  /**
   * True when the report came from worker `agent` itself: published as its
   * own broker user (the broker validates the user id) and signed with its
   * token. Anything else is logged and dropped.
   */
  const signedBy = async (agent: string, sender: string | undefined, proof: string | undefined, text: string): Promise<boolean> => {
    if (sender !== agent) {
      log.warn({ agent, sender: sender ?? null }, "ignored a worker signal sent by another broker user than the worker it names");
      return false;
    }
    const worker = await store.workers.getWorker(agent);
    if (worker !== null && proof !== undefined && proofMatches(proofFromHash(worker.tokenSha256, text), proof)) return true;
    log.warn({ agent, registered: worker !== null, signed: proof !== undefined }, "ignored a worker signal without a valid proof of that worker's token");
    return false;
  };
  /** The task a report is about, when it came from the worker running that attempt (see signedBy); null otherwise. */
  const reportedTask = async (
    p: { task_id: string; attempt: number; agent: string; proof?: string | undefined }, sender: string | undefined, text: string, what: string,
  ): Promise<Task | null> => {
    if (!(await signedBy(p.agent, sender, p.proof, text))) return null;
    const task = await store.builds.getTask(p.task_id);
    // Only the worker running this attempt reports on it.
    if (task === null || task.attempt !== p.attempt || task.agent !== p.agent) {
      log.debug({ task: p.task_id, attempt: p.attempt, agent: p.agent }, `ignored a ${what} for another attempt or agent`);
      return null;
    }
    return task;
  };
  return signals.subscribe(
    workerBuildDomain,
    {
      status: async (p, meta) => {
        const task = await reportedTask(p, meta.userId, statusProofText(p), "status");
        if (task === null) return;
        switch (p.state) {
          case "running":
            await lifecycle.move(task, "running", { builder: p.builder ?? null });
            break;
          case "succeeded":
            // Built and uploaded: the packages are signed and published before the task succeeds.
            await lifecycle.move(task, "publishing", { reason: null });
            break;
          case "failed":
          case "canceled":
            await lifecycle.move(task, p.state, { endedAt: Date.now(), reason: p.reason ?? null });
            break;
          case "pending":
          case "starting":
          case "skipped":
            log.warn({ task: p.task_id, state: p.state }, "a worker may not report this state");
            break;
        }
        // Its move was refused (FENCED) because another Headhunter took over: released, the report reaches that one.
        if (deps.active?.() === false) throw new Error(`this Headhunter is no longer active; report on ${p.task_id} released to the queue`);
      },
      log: async (p, meta) => {
        if ((await reportedTask(p, meta.userId, logProofText(p), "log batch")) === null) return;
        try {
          await store.logs.appendLog(p.task_id, p.attempt, p.lines, p.offset);
        } catch (error) {
          if (!(error instanceof StoreError && error.code === "LOG_GAP")) throw error;
          log.warn({ task: p.task_id, attempt: p.attempt, agent: p.agent, offset: p.offset }, "ignored a log batch that starts past the lines stored");
        }
      },
    },
    // Reports of different tasks are applied side by side; one task's reports stay in order (primary_uid is the task id).
    { durable: { queue: STATUS_QUEUE }, prefetch: 200, concurrency: 64 },
  );
}
