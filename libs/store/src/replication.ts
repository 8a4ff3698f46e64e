import type { Redis } from "ioredis";

export interface ReplicationOptions {
  /** How long a critical write waits for a replica's acknowledgement, ms. Default 1000. */
  waitMs?: number;
  /** How long the master's replica count is trusted before INFO is asked again, ms. Default 1000. */
  refreshMs?: number;
}

/**
 * Makes critical writes (an accepted build, a task move, a Headhunter
 * takeover) survive the loss of the master: when the master has replicas,
 * `confirm()` after such a write waits (Redis WAIT) until every connected
 * replica holds everything this connection wrote. Every one, not one:
 * Sentinel promotes the replica whose offset looked best when it last asked
 * (up to seconds ago), which need not be the one that acknowledged first.
 * Without replicas it costs nothing. Replicas that do not answer within
 * `waitMs` do not fail the write (it is on the master already); it is
 * counted in `unconfirmed`.
 */
export class Replication {
  readonly #redis: Redis;
  readonly #waitMs: number;
  readonly #refreshMs: number;
  #replicas = 0;
  #checkedAt = 0;
  #checking: Promise<number> | undefined;
  /** Critical writes not every replica acknowledged in time. */
  unconfirmed = 0;
  /** Critical writes every connected replica acknowledged. */
  confirmed = 0;

  constructor(redis: Redis, options: ReplicationOptions = {}) {
    this.#redis = redis;
    this.#waitMs = options.waitMs ?? 1000;
    this.#refreshMs = options.refreshMs ?? 1000;
    // A new connection may be to another master (a Sentinel failover): count again.
    redis.on("ready", () => {
      this.#checkedAt = 0;
    });
  }

  /** Waits until every connected replica holds this connection's writes. */
  async confirm(): Promise<void> {
    const replicas = await this.replicas();
    if (replicas === 0) return;
    const acked = Number(await this.#redis.call("WAIT", String(replicas), String(this.#waitMs)));
    if (acked >= replicas) {
      this.confirmed++;
      return;
    }
    this.unconfirmed++;
    this.#checkedAt = 0;
  }

  /** The master's connected replicas (INFO replication), cached for `refreshMs`. */
  async replicas(): Promise<number> {
    if (Date.now() - this.#checkedAt < this.#refreshMs) return this.#replicas;
    this.#checking ??= (async () => {
      try {
        const info = await this.#redis.info("replication");
        this.#replicas = Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? "0");
        this.#checkedAt = Date.now();
        return this.#replicas;
      } finally {
        this.#checking = undefined;
      }
    })();
    return await this.#checking;
  }
}
