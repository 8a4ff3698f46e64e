import { deriveBuildState, isFinal, type TaskState } from "@copr/domain";
import type { Builds } from "./builds.ts";
import type { StoreKeys } from "./keys.ts";
import { StoreError } from "./storeErrors.ts";
import { StorePart } from "./storePart.ts";
import type { Build, Task } from "./types.ts";
import type { Redis } from "ioredis";

/** What is left of a deleted build. */
export interface BuildTombstone {
  id: number;
  owner: string;
  project: string;
  package: string;
  /** Its tasks (their final states stay in Redis for the batches it was in). */
  taskIds: string[];
  /** How the build had ended. */
  state: TaskState;
  deletedBy: string;
  /** ms since the epoch */
  deletedAt: number;
}

/** How many older builds of a project are read to find a package's newest remaining build. */
const PACKAGE_LOOKBACK = 500;

/**
 * Deleting finished builds: the build leaves every list and its live logs
 * and event stream go; a tombstone says who deleted it. Its tasks' final
 * states stay (a few small hashes) so the batches it belonged to keep their
 * verdict. Result files are the caller's to remove.
 */
export class Deletions extends StorePart {
  readonly #builds: Builds;

  constructor(redis: Redis, keys: StoreKeys, builds: Builds) {
    super(redis, keys);
    this.#builds = builds;
  }

  /** Deletes a finished build; StoreError NOT_FOUND or IN_PROGRESS otherwise. Returns the build and its tasks as they were. */
  async deleteBuild(id: number, by: string): Promise<{ build: Build; tasks: Task[] }> {
    const build = await this.#builds.getBuild(id);
    if (build === null) throw new StoreError("NOT_FOUND", `build ${id} does not exist`);
    const tasks = await this.#builds.getTasks(build.taskIds);
    // A final state never changes, so a build found finished here stays finished.
    if (!tasks.every((t) => isFinal(t.state))) throw new StoreError("IN_PROGRESS", `build ${id} has not ended; cancel it first`);
    const tombstone: BuildTombstone = {
      id, owner: build.owner, project: build.project, package: build.srpm.name, taskIds: build.taskIds,
      state: deriveBuildState(tasks.map((t) => t.state)), deletedBy: by, deletedAt: Date.now(),
    };
    const packages = this.keys.projectPackages(build.owner, build.project);
    const newestOfPackage = Number(await this.redis.zscore(packages, build.srpm.name)) === id;
    const previous = newestOfPackage ? await this.#previousBuildOf(build) : undefined;
    const multi = this.redis.multi()
      .set(this.keys.buildTombstone(id), JSON.stringify(tombstone))
      .del(this.keys.build(id), this.keys.buildEvents(id), ...build.taskIds.flatMap((t) => [this.keys.taskLog(t), this.keys.taskLogLines(t)]))
      .zrem(this.keys.builds(), String(id))
      .zrem(this.keys.projectBuilds(build.owner, build.project), String(id))
      .xadd(this.keys.activity(), "MAXLEN", "~", "10000", "*", "task", "", "build", String(id), "to", "deleted");
    if (newestOfPackage) {
      if (previous === undefined) multi.zrem(packages, build.srpm.name);
      else multi.zadd(packages, previous, build.srpm.name);
    }
    const results = await multi.exec();
    const failed = results?.find(([err]) => err !== null);
    if (results === null || failed !== undefined) throw failed?.[0] ?? new Error("delete transaction aborted");
    return { build, tasks };
  }

  /** The tombstone of a deleted build, or null. */
  async tombstone(id: number): Promise<BuildTombstone | null> {
    const json = await this.redis.get(this.keys.buildTombstone(id));
    return json === null ? null : (JSON.parse(json) as BuildTombstone);
  }

  /** The newest other build of the same package in the project, among the last PACKAGE_LOOKBACK older ones. */
  async #previousBuildOf(build: Build): Promise<number | undefined> {
    const older = await this.redis.zrevrangebyscore(this.keys.projectBuilds(build.owner, build.project), `(${build.id}`, "-inf", "LIMIT", 0, PACKAGE_LOOKBACK);
    for (const idText of older) {
      const other = await this.#builds.getBuild(Number(idText));
      if (other?.srpm.name === build.srpm.name) return other.id;
    }
    return undefined;
  }
}
