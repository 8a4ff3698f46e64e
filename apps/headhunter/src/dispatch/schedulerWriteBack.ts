import type { BusLogger } from "@copr/bus";
import type { Store, StoredUsage } from "@copr/store";
import type { SchedulerHooks } from "../scheduling/scheduler.ts";

/**
 * The scheduler's hooks: usage and wait reasons that changed are written to
 * Redis together, right after the current burst of work (one transaction
 * for many changes). While Redis is away, usage is kept for the next write;
 * reasons are all written again by the next consistency check.
 */
export class SchedulerWriteBack {
  readonly #store: Store;
  readonly #log: BusLogger;
  readonly #usage = new Map<string, StoredUsage>();
  readonly #reasons = new Map<string, string | null>();
  #flushing: Promise<void> | undefined;
  #closed = false;

  constructor(store: Store, log: BusLogger) {
    this.#store = store;
    this.#log = log;
  }

  readonly hooks: SchedulerHooks = {
    usage: (owner, record) => {
      this.#usage.set(owner, record);
      this.#schedule();
    },
    reason: (scope, text) => {
      this.#reasons.set(scope, text);
      this.#schedule();
    },
  };

  #schedule(): void {
    if (this.#flushing !== undefined || this.#closed) return;
    this.#flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush()).finally(() => {
      this.#flushing = undefined;
      if (this.#usage.size + this.#reasons.size > 0) this.#schedule();
    });
  }

  async #flush(): Promise<void> {
    const usage = [...this.#usage];
    const reasons = [...this.#reasons];
    this.#usage.clear();
    this.#reasons.clear();
    try {
      await this.#store.scheduling.saveUsage(usage);
      await this.#store.scheduling.setReasons(reasons);
    } catch (error) {
      for (const [owner, u] of usage) if (!this.#usage.has(owner)) this.#usage.set(owner, u);
      this.#log.warn({ err: String(error) }, "could not store scheduler usage and reasons yet");
      if (!this.#closed) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** Writes what is left. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#flushing?.catch(() => undefined);
    if (this.#usage.size > 0) await this.#store.scheduling.saveUsage([...this.#usage]).catch(() => undefined);
  }
}
