import type { BusLogger } from "@copr/bus";
import { reasonScope, type Store, type Task } from "@copr/store";
import type { SchedulerHooks } from "./scheduler.ts";

/** Words for "waiting for build 41" / "waiting for builds 41, 42 and 3 more". */
export function batchWaitReason(buildIds: readonly number[]): string {
  const shown = buildIds.slice(0, 3).join(", ");
  const more = buildIds.length > 3 ? ` and ${buildIds.length - 3} more` : "";
  return `waiting for build${buildIds.length === 1 ? "" : "s"} ${shown}${more}`;
}

export interface BatchGateDeps {
  store: Store;
  log: BusLogger;
  hooks: SchedulerHooks;
  /** The task may be scheduled now. */
  release: (task: Task) => void;
  /** The batch it waits for failed: end the task with this reason. */
  fail: (task: Task, reason: string) => Promise<void>;
}

/**
 * Holds back the tasks of builds whose batch waits for another batch
 * (`--after-build-id`) until every build of that batch succeeded, and
 * fails them when one of it fails or is canceled. Reacts to task ends;
 * held tasks are remembered in memory (the consistency check finds them
 * again after a restart).
 */
export class BatchGate {
  readonly #deps: BatchGateDeps;
  /** blocking batch id → tasks held for it */
  readonly #held = new Map<number, Map<string, Task>>();
  /** the wait reasons published, by scope */
  readonly #reasons = new Map<string, string>();

  constructor(deps: BatchGateDeps) {
    this.#deps = deps;
  }

  /** Current wait reasons by scope (published again with the scheduler's after a reconnect). */
  reasons(): ReadonlyMap<string, string> {
    return this.#reasons;
  }

  get heldCount(): number {
    let n = 0;
    for (const m of this.#held.values()) n += m.size;
    return n;
  }

  /** Pending tasks: the ids of those that must wait (held, or failed because a build they wait for failed). */
  async hold(tasks: readonly Task[]): Promise<Set<string>> {
    const { store } = this.#deps;
    const out = new Set<string>();
    const batches = await store.batches.batchesOf(tasks.map((t) => t.buildId));
    for (const task of tasks) {
      const batch = batches.get(task.buildId);
      const blocker = batch === undefined ? null : await store.batches.blockedBy(batch);
      if (blocker !== null && (await this.#judge(blocker, task))) out.add(task.id);
    }
    return out;
  }

  /** A task ended: what waits for its batch may go now, or fail. */
  async taskEnded(task: Task): Promise<void> {
    const { store } = this.#deps;
    const batch = await store.batches.batchOf(task.buildId);
    const waiting = batch === null ? undefined : this.#held.get(batch);
    if (batch === null || waiting === undefined) return;
    this.#held.delete(batch);
    for (const held of waiting.values()) {
      const now = await store.builds.getTask(held.id);
      if (now?.state !== "pending") continue;
      if (!(await this.#judge(batch, now))) this.#deps.release(now);
    }
  }

  #setReason(scope: string, text: string | null): void {
    if ((this.#reasons.get(scope) ?? null) === text) return;
    if (text === null) this.#reasons.delete(scope);
    else this.#reasons.set(scope, text);
    this.#deps.hooks.reason?.(scope, text);
  }

  async #judge(blocker: number, task: Task): Promise<boolean> {
    const { store } = this.#deps;
    const verdict = await store.batches.verdict(blocker);
    const scope = reasonScope.batch(task.buildId);
    switch (verdict.kind) {
      case "done":
        this.#setReason(scope, null);
        return false;
      case "failed": {
        this.#setReason(scope, null);
        const how = verdict.state === "canceled" ? "was canceled" : "failed";
        this.#deps.log.info({ task: task.id, after: verdict.buildId }, "a build this task waits for did not succeed");
        await this.#deps.fail(task, `build ${verdict.buildId} ${how}; this build was to start after it`);
        return true;
      }
      case "open": {
        let held = this.#held.get(blocker);
        if (held === undefined) {
          held = new Map();
          this.#held.set(blocker, held);
        }
        held.set(task.id, task);
        this.#setReason(scope, batchWaitReason(verdict.waitingFor));
        return true;
      }
    }
  }
}
