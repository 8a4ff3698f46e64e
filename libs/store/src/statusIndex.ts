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

  /**
   * The last `minutes` minutes, oldest first: tasks pending at the end of
   * each minute (carried forward through minutes without a task move; the
   * current minute is live) and tasks that ended in it.
   */
  async history(now: number, minutes = 60): Promise<{ minute: number; pending: number; ended: number }[]> {
    const last = Math.floor(now / 60_000);
    const range = Array.from({ length: minutes }, (_, i) => last - minutes + 1 + i);
    const [pending, ended, total] = await Promise.all([
      this.redis.mget(...range.map((m) => this.keys.statsPendingAt(m))),
      this.redis.mget(...range.map((m) => this.keys.statsEndedAt(m))),
      this.redis.get(this.keys.statsTotal("pending")),
    ]);
    // Carry the last known value forward; before the first sample in the window, the first one there is.
    const first = pending.find((v) => v !== null);
    let carried = first === undefined || first === null ? Number(total ?? 0) : Number(first);
    return range.map((minute, i) => {
      const p = pending[i];
      if (p !== null && p !== undefined) carried = Number(p);
      const value = minute === last ? Number(total ?? 0) : carried;
      return { minute: minute * 60_000, pending: Math.max(0, value), ended: Number(ended[i] ?? 0) };
    });
  }
}
