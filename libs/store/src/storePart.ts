import type { Redis } from "ioredis";
import type { StoreKeys } from "./keys.ts";

/** One concern of the store: the shared connection and key scheme. */
export abstract class StorePart {
  protected readonly redis: Redis;
  protected readonly keys: StoreKeys;

  constructor(redis: Redis, keys: StoreKeys) {
    this.redis = redis;
    this.keys = keys;
  }
}
