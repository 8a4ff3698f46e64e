import type { Redis } from "ioredis";
import type { StoreKeys } from "./keys.ts";
import type { Replication } from "./replication.ts";

/** One concern of the store: the shared connection and key scheme. */
export abstract class StorePart {
  protected readonly redis: Redis;
  protected readonly keys: StoreKeys;
  readonly #replication: Replication | undefined;

  /** With `replication`, the part's critical writes wait for the replicas (`confirmCritical`). */
  constructor(redis: Redis, keys: StoreKeys, replication?: Replication) {
    this.redis = redis;
    this.keys = keys;
    this.#replication = replication;
  }

  /** After a critical write: waits until every connected replica holds it (see Replication). */
  protected async confirmCritical(): Promise<void> {
    await this.#replication?.confirm();
  }
}
