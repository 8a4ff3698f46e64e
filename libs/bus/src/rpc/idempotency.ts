/** Outcome of a method run, replayed to repeated requests. */
export type Outcome = { ok: true; value: unknown } | { ok: false; code: string; text: string };

/**
 * Remembers each request key's outcome (or the run still in progress) so a
 * redelivered request never runs twice. Bounded by age and count.
 */
export class IdempotencyCache {
  /** `done` is when the run finished (ms since the epoch); undefined while it runs. */
  readonly #entries = new Map<string, { done: number | undefined; outcome: Promise<Outcome> }>();
  readonly #ttlMs: number;
  readonly #max: number;
  /** Expired outcomes are swept at most this often, ms; a full cache is trimmed at once. */
  readonly #sweepMs: number;
  #nextSweep = 0;

  /**
   * @param ttlMs how long a finished outcome is kept, ms (a run in progress is always kept).
   * @param max most finished entries kept.
   */
  constructor(ttlMs: number, max: number) {
    this.#ttlMs = ttlMs;
    this.#max = max;
    this.#sweepMs = Math.min(1000, Math.max(1, Math.floor(ttlMs / 4)));
  }

  /** Returns the outcome for `key`, running `run` only if this key was not seen. */
  run(key: string, run: () => Promise<Outcome>): { outcome: Promise<Outcome>; repeated: boolean } {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit !== undefined && (hit.done === undefined || now - hit.done < this.#ttlMs)) {
      return { outcome: hit.outcome, repeated: true };
    }
    if (hit !== undefined) this.#entries.delete(key);
    // Sweeping on every call costs more than the call itself at thousands of
    // requests per second: sweep on a clock, and trim a full cache in one go.
    if (this.#entries.size >= this.#max || now >= this.#nextSweep) this.#evict(now);
    const outcome = run();
    const entry: { done: number | undefined; outcome: Promise<Outcome> } = { done: undefined, outcome };
    this.#entries.set(key, entry);
    outcome.then(
      () => void (entry.done = Date.now()),
      () => void (entry.done = Date.now()),
    );
    return { outcome, repeated: false };
  }

  /**
   * Drops expired outcomes and, when the cache is full, the oldest finished
   * ones down to about 90 % of `max`, making room for the new one; never a run in progress. Entries are in
   * insertion order, so the walk stops at the first fresh finished one.
   */
  #evict(now: number): void {
    this.#nextSweep = now + this.#sweepMs;
    const target = this.#entries.size >= this.#max ? this.#max - 1 - Math.floor(this.#max / 10) : this.#max;
    for (const [key, entry] of this.#entries) {
      if (entry.done === undefined) continue;
      if (this.#entries.size <= target && now - entry.done < this.#ttlMs) break;
      this.#entries.delete(key);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
