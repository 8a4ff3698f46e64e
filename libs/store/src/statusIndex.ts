import type { Redis } from "ioredis";
import type { StatusBucket, StatusDimension, StoreKeys } from "./keys.ts";
import type { Builds } from "./builds.ts";
import type { Scheduling } from "./scheduling.ts";
import { StorePart } from "./storePart.ts";
import type { Task } from "./types.ts";

/** The status pages' counts and task pages, from indexes every task move keeps: no scans. */
export class StatusIndex extends StorePart {
  readonly #builds: Builds;
  readonly #scheduling: Scheduling;

  constructor(redis: Redis, keys: StoreKeys, builds: Builds, scheduling: Scheduling) {
    super(redis, keys);
    this.#builds = builds;
    this.#scheduling = scheduling;
  }

  /** Totals and counts per owner, arch and chroot of queued ("pending") or running tasks. */
  async statusCounts(bucket: StatusBucket): Promise<{ total: number; byOwner: Record<string, number>; byArch: Record<string, number>; byChroot: Record<string, number> }> {
    const [total, byOwner, byArch, byChroot] = await Promise.all([
      this.redis.get(this.keys.statsTotal(bucket)),
      this.redis.hgetall(this.keys.statsCounts(bucket, "owner")),
      this.redis.hgetall(this.keys.statsCounts(bucket, "arch")),
      this.redis.hgetall(this.keys.statsCounts(bucket, "chroot")),
    ]);
    const nonZero = (h: Record<string, string>): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(h)) if (Number(v) > 0) out[k] = Number(v);
      return out;
    };
    return { total: Number(total ?? 0), byOwner: nonZero(byOwner), byArch: nonZero(byArch), byChroot: nonZero(byChroot) };
  }

  /** One page of a bucket's tasks, oldest first, optionally of one group (e.g. owner alice); pending ones say why they wait. */
  async statusTasks(bucket: StatusBucket, options: { group?: { dim: StatusDimension; value: string }; offset?: number; limit?: number } = {}): Promise<{ total: number; tasks: Task[] }> {
    const key = options.group === undefined ? this.keys.statsTasks(bucket) : this.keys.statsGroupTasks(bucket, options.group.dim, options.group.value);
    const offset = options.offset ?? 0;
    const limit = Math.min(options.limit ?? 50, 500);
    const [total, ids] = await Promise.all([this.redis.zcard(key), this.redis.zrange(key, String(offset), String(offset + limit - 1))]);
    return { total, tasks: await this.#scheduling.withWaitReasons(await this.#builds.getTasks(ids)) };
  }
}
