import { spawn } from "node:child_process";

/** What a finished command left behind. Output is cut to its last `maxOutputBytes`. */
export interface CommandResult {
  /** Exit code, or null when the process was killed by a signal. */
  exitCode: number | null;
  /** The signal that ended the process, or null. */
  signal: NodeJS.Signals | null;
  /** True when the runner killed the process because it exceeded `timeoutMs`. */
  timedOut: boolean;
  /** Tail of standard output (UTF-8). */
  stdout: string;
  /** Tail of standard error (UTF-8). */
  stderr: string;
}

export interface CommandOptions {
  /** Working directory of the process. */
  cwd: string;
  /** Kill the process (SIGTERM, then SIGKILL 5 s later) after this many milliseconds. */
  timeoutMs: number;
}

/**
 * Runs one external command. The narrow interface lets tests count or fake
 * createrepo_c runs with a plain object. Rejects only when the process could
 * not be started at all (e.g. ENOENT); a non-zero exit resolves.
 */
export interface CommandRunner {
  run(file: string, args: readonly string[], options: CommandOptions): Promise<CommandResult>;
}

/** How much of each output stream spawnRunner keeps (bytes, the tail). */
export const OUTPUT_TAIL_BYTES = 16 * 1024;
/** Grace period between SIGTERM and SIGKILL on timeout (milliseconds). */
export const KILL_GRACE_MS = 5_000;

/** The real runner: child_process.spawn without a shell, stdin closed, inherited environment. */
export const spawnRunner: CommandRunner = {
  run(file, args, options) {
    return new Promise<CommandResult>((resolve, reject) => {
      const child = spawn(file, [...args], { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
      const stdout = new TailBuffer(OUTPUT_TAIL_BYTES);
      const stderr = new TailBuffer(OUTPUT_TAIL_BYTES);
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGTERM");
        killTimer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
        killTimer.unref();
      }, options.timeoutMs);
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.once("error", (err) => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        reject(err);
      });
      child.once("close", (exitCode, signal) => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        resolve({ exitCode, signal, timedOut, stdout: stdout.text(), stderr: stderr.text() });
      });
    });
  },
};

/** Keeps the last `limit` bytes pushed into it. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()?.length ?? 0;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString("utf8");
  }
}
