import { bytes } from "./format.ts";
import type { Io } from "./io.ts";

export interface Progress {
  /** `done` bytes of the total so far. */
  update(done: number): void;
  /** Draws the last state and ends the line. */
  finish(): void;
}

/** Redraws at most this often, ms. */
const REDRAW_MS = 100;

/**
 * A one-line progress bar on stderr (percent and bytes), only when stderr
 * is a terminal; otherwise it does nothing, so logs and pipes stay clean.
 */
export function progressBar(io: Io, label: string, total: number): Progress {
  if (!io.stderrIsTTY) return { update: () => undefined, finish: () => undefined };
  let last = 0;
  let current = 0;
  let drawn = false;
  const draw = (): void => {
    const ratio = total === 0 ? 1 : Math.min(1, current / total);
    const tail = ` ${String(Math.floor(ratio * 100)).padStart(3)}% ${bytes(current)} / ${bytes(total)}`;
    const width = Math.max(10, Math.min(40, io.columns - label.length - tail.length - 4));
    const filled = Math.round(ratio * width);
    io.stderr(`\r${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}]${tail}\x1b[K`);
    drawn = true;
  };
  return {
    update(done) {
      current = done;
      const now = Date.now();
      if (now - last < REDRAW_MS) return;
      last = now;
      draw();
    },
    finish() {
      draw();
      if (drawn) io.stderr("\n");
    },
  };
}
