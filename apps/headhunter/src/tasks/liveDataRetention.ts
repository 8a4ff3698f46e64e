import { isFinal } from "@copr/domain";
import type { BusLogger } from "@copr/bus";
import type { Store, Task } from "@copr/store";

/**
 * Redis keeps what live pages need: an ended task's live log (stored in
 * builder-live.log.gz with its results) and an ended build's event stream
 * expire `graceS` seconds after the end, so a finished build costs only its
 * records. A failure here is logged, never fatal: the data just stays.
 */
export class LiveDataRetention {
  readonly #store: Store;
  readonly #log: BusLogger;
  readonly #graceS: number;

  constructor(deps: { store: Store; log: BusLogger; graceS: number }) {
    this.#store = deps.store;
    this.#log = deps.log;
    this.#graceS = deps.graceS;
  }

  async taskEnded(task: Task): Promise<void> {
    try {
      await this.#store.logs.expireLog(task.id, this.#graceS);
      const build = await this.#store.builds.getBuild(task.buildId);
      if (build === null) return;
      const tasks = await this.#store.builds.getTasks(build.taskIds);
      if (tasks.every((t) => isFinal(t.state))) await this.#store.builds.expireEvents(build.id, this.#graceS);
    } catch (error) {
      this.#log.warn({ task: task.id, err: String(error) }, "live log expiry not set; it stays in Redis");
    }
  }
}
