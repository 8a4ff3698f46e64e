export interface LogBatcherOptions {
  /** Longest wait before a batch goes out, ms. Default 200. */
  intervalMs?: number;
  /** Batch size. Default 100. */
  maxLines?: number;
  /** Sees every complete line as it is taken (e.g. to keep the full log). */
  onLine?: (line: string) => void;
}

/**
 * Collects output into lines and hands them on in small batches: when
 * `maxLines` are waiting or `intervalMs` after the first waiting line.
 * Batches are delivered one at a time, in order.
 *
 * Each stream (stdout, stderr) keeps its own unfinished line: the two
 * arrive interleaved, and a partial stderr line (`+ cd …` from `sh -x`)
 * must not be glued to the next stdout line.
 */
export class LogBatcher {
  readonly #deliver: (lines: string[], offset: number) => Promise<void>;
  readonly #maxLines: number;
  readonly #intervalMs: number;
  readonly #onLine: ((line: string) => void) | undefined;
  readonly #partial = new Map<string, string>();
  #waiting: string[] = [];
  #offset = 0;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(deliver: (lines: string[], offset: number) => Promise<void>, options: LogBatcherOptions = {}) {
    this.#deliver = deliver;
    this.#intervalMs = options.intervalMs ?? 200;
    this.#maxLines = options.maxLines ?? 100;
    this.#onLine = options.onLine;
  }

  /** Takes a chunk of one stream's output; complete lines are queued, the rest waits for its newline. */
  write(chunk: string, stream = "stdout"): void {
    const parts = ((this.#partial.get(stream) ?? "") + chunk).split("\n");
    this.#partial.set(stream, parts.pop() ?? "");
    for (const line of parts) this.line(line);
  }

  /** Queues one complete line. */
  line(text: string): void {
    const line = text.replace(/\r$/, "");
    this.#onLine?.(line);
    this.#waiting.push(line);
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

  /** Takes each stream's last unfinished line as a line: the output has ended. */
  endStreams(): void {
    for (const [stream, partial] of this.#partial) {
      if (partial !== "") this.line(partial);
      this.#partial.delete(stream);
    }
  }

  /** Delivers everything still waiting (including each stream's last partial line). */
  async end(): Promise<void> {
    this.endStreams();
    this.#flush();
    await this.#chain;
  }
}
