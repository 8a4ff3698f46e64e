import type { Redis } from "ioredis";
import { Accounts } from "./accounts.ts";
import { Batches } from "./batches.ts";
import { Builds } from "./builds.ts";
import { Deletions } from "./deletions.ts";
import { Leadership } from "./leadership.ts";
import { storeKeys, type StoreKeys } from "./keys.ts";
import { Logs } from "./logs.ts";
import { Projects } from "./projects.ts";
import { connectRedis, type RedisTarget } from "./redisTarget.ts";
import { Replication, type ReplicationOptions } from "./replication.ts";
import { Scheduling } from "./scheduling.ts";
import { StatusIndex } from "./statusIndex.ts";
import { Workers } from "./workers.ts";

export interface StoreOptions extends RedisTarget {
  /** Key prefix; default "copr:". */
  prefix?: string;
  /** How critical writes wait for a replica (see Replication). */
  replication?: ReplicationOptions;
}

/**
 * Copr's state in Redis, one part per concern on one connection: accounts,
 * projects, builds and tasks, the status indexes, live logs, workers and
 * the scheduler's inbox, usage and wait reasons, and which Headhunter is
 * active (the lease and its fencing epoch). Critical writes wait for a
 * replica when the master has one (see Replication).
 * Key names are in keys.ts. Task state is written only through
 * `builds.transitionTask` (Headhunter's).
 */
export class Store {
  readonly keys: StoreKeys;
  readonly redis: Redis;
  readonly accounts: Accounts;
  readonly projects: Projects;
  readonly builds: Builds;
  readonly batches: Batches;
  readonly deletions: Deletions;
  readonly status: StatusIndex;
  readonly logs: Logs;
  readonly workers: Workers;
  readonly scheduling: Scheduling;
  readonly leadership: Leadership;
  readonly replication: Replication;
  #closed = false;

  constructor(options: StoreOptions) {
    this.keys = storeKeys(options.prefix ?? "copr:");
    this.redis = connectRedis(options, { lazyConnect: false, maxRetriesPerRequest: 3 });
    this.redis.on("error", () => undefined); // reconnects by itself; callers see failed commands
    this.replication = new Replication(this.redis, options.replication);
    this.accounts = new Accounts(this.redis, this.keys);
    this.projects = new Projects(this.redis, this.keys);
    this.builds = new Builds(this.redis, this.keys, this.replication);
    this.batches = new Batches(this.redis, this.keys);
    this.deletions = new Deletions(this.redis, this.keys, this.builds);
    this.scheduling = new Scheduling(this.redis, this.keys);
    this.status = new StatusIndex(this.redis, this.keys, this.builds, this.scheduling);
    this.logs = new Logs(this.redis, this.keys);
    this.workers = new Workers(this.redis, this.keys);
    this.leadership = new Leadership(this.redis, this.keys, this.replication);
  }

  /** Closes the Redis connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
