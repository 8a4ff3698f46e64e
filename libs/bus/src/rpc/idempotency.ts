/** Outcome of a method run, replayed to repeated requests. */
export type Outcome = { ok: true; value: unknown } | { ok: false; code: string; text: string };

/**
 * Remembers each request key's outcome (or the run still in progress) so a
 * redelivered request never runs twice. Bounded by age and count.
 */
export class IdempotencyCache {
  readonly #entries = new Map<string, { at: number; outcome: Promise<Outcome> }>();
  readonly #ttlMs: number;
  readonly #max: number;

  /** @param ttlMs how long a finished outcome is kept, ms. @param max most entries kept. */
  constructor(ttlMs: number, max: number) {
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  /** Returns the outcome for `key`, running `run` only if this key was not seen. */
  run(key: string, run: () => Promise<Outcome>): { outcome: Promise<Outcome>; repeated: boolean } {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit !== undefined && now - hit.at < this.#ttlMs) return { outcome: hit.outcome, repeated: true };
    this.#evict(now);
    const outcome = run();
    this.#entries.set(key, { at: now, outcome });
    return { outcome, repeated: false };
  }

  #evict(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size < this.#max && now - entry.at < this.#ttlMs) break;
      this.#entries.delete(key);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
