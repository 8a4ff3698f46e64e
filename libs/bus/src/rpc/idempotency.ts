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

  /**
   * @param ttlMs how long a finished outcome is kept, ms (a run in progress is always kept).
   * @param max most finished entries kept.
   */
  constructor(ttlMs: number, max: number) {
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  /** Returns the outcome for `key`, running `run` only if this key was not seen. */
  run(key: string, run: () => Promise<Outcome>): { outcome: Promise<Outcome>; repeated: boolean } {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit !== undefined && (hit.done === undefined || now - hit.done < this.#ttlMs)) {
      return { outcome: hit.outcome, repeated: true };
    }
    this.#entries.delete(key);
    this.#evict(now);
    const outcome = run();
    const entry: { done: number | undefined; outcome: Promise<Outcome> } = { done: undefined, outcome };
    this.#entries.set(key, entry);
    const finished = (): void => {
      entry.done = Date.now();
    };
    outcome.then(finished, finished);
    return { outcome, repeated: false };
  }

  /** Drops expired outcomes, and the oldest finished ones beyond `max`; never a run in progress. */
  #evict(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.done === undefined) continue;
      if (this.#entries.size < this.#max && now - entry.done < this.#ttlMs) break;
      this.#entries.delete(key);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
