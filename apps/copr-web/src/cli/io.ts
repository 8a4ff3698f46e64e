/** Where the CLI writes: narrow, so a test or another front end can pass a plain object. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Draw progress bars on stderr only when a person watches it. */
  readonly stderrIsTTY: boolean;
  /** Terminal width for the progress bar, columns. */
  readonly columns: number;
}

export function processIo(): Io {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stderrIsTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns ?? 80,
  };
}

/** One JSON document per line on stdout (`--json`). */
export function printJson(io: Io, value: unknown): void {
  io.stdout(`${JSON.stringify(value)}\n`);
}
