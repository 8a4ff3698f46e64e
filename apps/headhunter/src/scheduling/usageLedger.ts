/** An owner's decaying builder usage: `seconds` builder-seconds as of `at` (ms since the epoch). */
export interface UsageRecord {
  seconds: number;
  at: number;
}

/**
 * Fair share's memory: each owner's builder-seconds, decaying with a
 * half-life, divided by the owner's share (admin-set weight, default 1).
 *
 * `rank(owner)` orders owners by current weighted usage without being
 * recomputed as time passes: decay shrinks everyone's usage by the same
 * factor, so `log2(usage / share) + at / halfLife` stays comparable
 * between owners whose usage was last changed at different times. Only an
 * owner whose usage changes gets a new rank. An owner with no usage ranks
 * -Infinity (before everyone).
 */
export class UsageLedger {
  readonly #halfLifeMs: number;
  readonly #usage = new Map<string, UsageRecord>();
  readonly #shares = new Map<string, number>();

  constructor(halfLifeMs: number) {
    if (!(halfLifeMs > 0)) throw new Error(`half-life must be positive, got ${halfLifeMs}`);
    this.#halfLifeMs = halfLifeMs;
  }

  /** Loads a stored record (at start). */
  restore(owner: string, record: UsageRecord): void {
    this.#usage.set(owner, { seconds: Math.max(0, record.seconds), at: record.at });
  }

  /** Sets an owner's share; 1 when not positive or not given. */
  setShare(owner: string, share: number | undefined): void {
    if (share === undefined || !(share > 0) || share === 1) this.#shares.delete(owner);
    else this.#shares.set(owner, share);
  }

  share(owner: string): number {
    return this.#shares.get(owner) ?? 1;
  }

  /** What one builder-second is worth `ms` later. */
  decay(ms: number): number {
    return 2 ** (-Math.max(0, ms) / this.#halfLifeMs);
  }

  /** Builder-seconds used at `now`, decayed. */
  usage(owner: string, now: number): number {
    const r = this.#usage.get(owner);
    if (r === undefined) return 0;
    return r.seconds * this.decay(now - r.at);
  }

  /** Adds builder-seconds (negative to correct an estimate; usage never goes below 0). Returns the new record to store. */
  charge(owner: string, seconds: number, now: number): UsageRecord {
    const record = { seconds: Math.max(0, this.usage(owner, now) + seconds), at: now };
    this.#usage.set(owner, record);
    return record;
  }

  /** Smaller goes first. Stable over time for an owner whose usage does not change. */
  rank(owner: string): number {
    const r = this.#usage.get(owner);
    if (r === undefined || r.seconds <= 0) return -Infinity;
    return Math.log2(r.seconds / this.share(owner)) + r.at / this.#halfLifeMs;
  }
}
