import { COPR_STATUS, deriveBuildState, isFinal, type TaskState } from "@copr/domain";
import { coprBuildDomain, coprChrootDomain, type BusLogger, type Signals } from "@copr/bus";
import type { Store, Task } from "@copr/store";

/** Publishes Copr-compatible copr.chroot.start / copr.build.start / copr.build.end (best effort, logged). */
export class CoprTopics {
  readonly #signals: Signals;
  readonly #store: Store;
  readonly #log: BusLogger;

  constructor(signals: Signals, store: Store, log: BusLogger) {
    this.#signals = signals;
    this.#store = store;
    this.#log = log;
  }

  async taskChanged(task: Task, to: TaskState): Promise<void> {
    try {
      const build = await this.#store.builds.getBuild(task.buildId);
      if (build === null) return;
      const fields = {
        primary_uid: task.id,
        build: task.buildId,
        owner: task.owner,
        copr: task.project,
        chroot: task.chroot,
        pkg: build.srpm.name,
        version: `${build.srpm.epoch === null ? "" : `${build.srpm.epoch}:`}${build.srpm.version}-${build.srpm.release}`,
        user: build.submittedBy,
        who: "backend",
        status: COPR_STATUS[to],
      };
      if (to === "running") {
        await this.#signals.publish(coprChrootDomain, "start", fields);
        const tasks = await this.#store.builds.getTasks(build.taskIds);
        if (tasks.filter((t) => t.state === "running" || t.startedAt !== null).length <= 1) {
          await this.#signals.publish(coprBuildDomain, "start", fields);
        }
      } else if (isFinal(to)) {
        await this.#signals.publish(coprBuildDomain, "end", fields);
        const tasks = await this.#store.builds.getTasks(build.taskIds);
        if (tasks.every((t) => isFinal(t.state))) {
          this.#log.info({ build: build.id, state: deriveBuildState(tasks.map((t) => t.state)) }, "build finished");
        }
      }
    } catch (error) {
      this.#log.warn({ task: task.id, err: String(error) }, "Copr topic not published");
    }
  }
}
