/**
 * Collects output into lines and hands them on in small batches: when
 * `maxLines` are waiting or `intervalMs` after the first waiting line.
 * Batches are delivered one at a time, in order.
 */
export class LogBatcher {
  readonly #deliver: (lines: string[], offset: number) => Promise<void>;
  readonly #maxLines: number;
  readonly #intervalMs: number;
  #partial = "";
  #waiting: string[] = [];
  #offset = 0;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();

  /** @param intervalMs longest wait before a batch goes out, ms (default 200). @param maxLines batch size (default 100). */
  constructor(deliver: (lines: string[], offset: number) => Promise<void>, intervalMs = 200, maxLines = 100) {
    this.#deliver = deliver;
    this.#intervalMs = intervalMs;
    this.#maxLines = maxLines;
  }

  write(chunk: string): void {
    const parts = (this.#partial + chunk).split("\n");
    this.#partial = parts.pop() ?? "";
    for (const line of parts) this.line(line);
  }

  line(text: string): void {
    this.#waiting.push(text.replace(/\r$/, ""));
    if (this.#waiting.length >= this.#maxLines) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), this.#intervalMs);
  }

  #flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#waiting.length === 0) return;
    const lines = this.#waiting;
    const offset = this.#offset;
    this.#waiting = [];
    this.#offset += lines.length;
    this.#chain = this.#chain.then(() => this.#deliver(lines, offset)).catch(() => undefined);
  }

  /** Delivers everything still waiting (including a last partial line). */
  async end(): Promise<void> {
    if (this.#partial !== "") {
      this.#waiting.push(this.#partial);
      this.#partial = "";
    }
    this.#flush();
    await this.#chain;
  }
}
