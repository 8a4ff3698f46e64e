import { EventEmitter } from "node:events";
import type { BusLogger } from "@copr/bus";
import type { Leadership } from "@copr/store";

export interface HeadhunterLeaseEvents {
  /** Another Headhunter took over: this one must stop acting at once. */
  lost: [epoch: number];
}

/**
 * This Headhunter's hold on the lease that makes it the active one (see
 * Leadership): `take()` waits while another instance is active (hot
 * standby), then renews every third of the time to live. A renewal that
 * finds the lease gone (Redis was away longer than the lease lives) takes
 * it again when nobody else took it in between (the epoch grew by one: ours):
 * then nothing was written by anyone else, and this instance goes on under
 * the new epoch. Anything else is `lost`.
 */
export class HeadhunterLease extends EventEmitter<HeadhunterLeaseEvents> {
  readonly id: string;
  #epoch: number;
  readonly #leadership: Leadership;
  readonly #ttlMs: number;
  readonly #log: BusLogger;
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> | undefined;
  #lost = false;

  private constructor(leadership: Leadership, id: string, epoch: number, ttlMs: number, log: BusLogger) {
    super();
    this.#leadership = leadership;
    this.id = id;
    this.#epoch = epoch;
    this.#ttlMs = ttlMs;
    this.#log = log;
  }

  /** The fencing epoch this instance writes with. */
  get epoch(): number {
    return this.#epoch;
  }

  get isLost(): boolean {
    return this.#lost;
  }

  /** Waits until this instance holds the lease (checking every third of its time to live), then keeps it. */
  static async take(leadership: Leadership, id: string, ttlMs: number, log: BusLogger, signal?: AbortSignal): Promise<HeadhunterLease> {
    let waiting = false;
    for (;;) {
      signal?.throwIfAborted();
      const got = await leadership.acquire(id, ttlMs).catch((err: unknown) => {
        log.warn({ err: String(err) }, "cannot reach Redis to take the Headhunter lease; trying again");
        return null;
      });
      if (got !== null) {
        log.info({ id, epoch: got.epoch }, "this Headhunter is active");
        const lease = new HeadhunterLease(leadership, id, got.epoch, ttlMs, log);
        lease.#schedule();
        return lease;
      }
      if (!waiting) {
        const active = await leadership.active().catch(() => null);
        log.info({ id, active: active?.id ?? null, epoch: active?.epoch ?? null }, "another Headhunter is active; standing by");
        waiting = true;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(50, Math.floor(ttlMs / 3))));
    }
  }

  #schedule(): void {
    this.#timer = setTimeout(() => void this.#renewOnce(), Math.max(50, Math.floor(this.#ttlMs / 3)));
    this.#timer.unref();
  }

  /**
   * Renews now (or joins the renewal under way) and says under which epoch
   * this instance is active, or null once it lost the lease. A write refused
   * as FENCED asks this: the lease may have been taken again under a newer
   * epoch of this instance's own (after a Redis failover), and the write is
   * then made again under it.
   */
  async currentEpoch(): Promise<number | null> {
    if (!this.#lost) {
      clearTimeout(this.#timer);
      await this.#renewOnce();
    }
    return this.#lost ? null : this.#epoch;
  }

  #renewOnce(): Promise<void> {
    this.#renewing ??= this.#renew().finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  }

  async #renew(): Promise<void> {
    if (this.#lost) return;
    clearTimeout(this.#timer);
    try {
      if (!(await this.#leadership.renew(this.id, this.#epoch, this.#ttlMs))) {
        const again = await this.#leadership.acquire(this.id, this.#ttlMs);
        if (again === null || again.epoch !== this.#epoch + 1) {
          this.#lost = true;
          this.#log.error({ id: this.id, epoch: this.#epoch, now: again?.epoch ?? null }, "another Headhunter took over; this one stops");
          this.emit("lost", this.#epoch);
          return;
        }
        this.#log.warn({ id: this.id, from: this.#epoch, to: again.epoch }, "the lease had run out while Redis was away; nobody took it, so this Headhunter took it again");
        this.#epoch = again.epoch;
      }
    } catch (err) {
      // Redis is away: nobody else can take the lease from it either; try again.
      this.#log.warn({ err: String(err) }, "could not renew the Headhunter lease; trying again");
    }
    this.#schedule();
  }

  /** Stops renewing and gives the lease up, so a standby takes over at once. Safe twice. */
  async release(): Promise<void> {
    clearTimeout(this.#timer);
    if (this.#lost) return;
    this.#lost = true;
    await this.#leadership.release(this.id).catch(() => undefined);
  }

  /** Stops renewing without giving the lease up (what a crash leaves; for tests). */
  abandon(): void {
    clearTimeout(this.#timer);
    this.#lost = true;
  }
}
