/** A counting semaphore with a FIFO queue: at most `limit` holders at once. */
export class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves with a release function once a slot is free. Call release exactly once. */
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next !== undefined) next(); // hand the slot over; `active` stays the same
      else this.active -= 1;
    };
  }

  /** Holders right now (for tests and metrics). */
  get inUse(): number {
    return this.active;
  }
}
