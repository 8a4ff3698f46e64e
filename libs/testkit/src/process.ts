import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { track, untrack } from "./reaper.ts";

/**
 * A service process started in its own process group, so that kill() takes
 * the whole tree down (RabbitMQ's start script forks the Erlang VM).
 */
export class ServiceProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #alive = true;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once("exit", (code) => {
        this.#alive = false;
        if (child.pid !== undefined) untrack(child.pid);
        resolve(code);
      });
    });
  }

  /**
   * Starts `command` in a new process group. `ownerDir` is the instance
   * directory that records the group so a later run can reap it (reaper.ts).
   */
  static spawn(command: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string, ownerDir: string, cwd?: string): ServiceProcess {
    const log = createWriteStream(logFile, { flags: "a" });
    const child = spawn(command, args, { env, cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.on("error", (err) => log.write(`spawn error: ${err.message}\n`));
    if (child.pid !== undefined) track(ownerDir, child.pid);
    // Do not keep the test runner alive because of a service.
    child.unref();
    return new ServiceProcess(child);
  }

  get alive(): boolean {
    return this.#alive;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Sends a signal to the whole process group and waits for the leader to exit. */
  async signal(signal: NodeJS.Signals, timeoutMs = 30_000): Promise<void> {
    if (!this.#alive || this.#child.pid === undefined) return;
    try {
      process.kill(-this.#child.pid, signal);
    } catch {
      // already gone
    }
    // A referenced timer, cleared once the leader exits: the child itself is
    // unref'd, so without it a script whose last await is a close() would
    // leave Node's event loop empty and exit half-way through its shutdown.
    let timeout: NodeJS.Timeout | undefined;
    const timer = new Promise<"timeout">((r) => (timeout = setTimeout(() => r("timeout"), timeoutMs)));
    const result = await Promise.race([this.#exited, timer]);
    clearTimeout(timeout);
    if (result === "timeout" && signal !== "SIGKILL") await this.signal("SIGKILL", timeoutMs);
  }
}
