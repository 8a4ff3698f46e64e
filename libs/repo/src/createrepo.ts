import { stat } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { spawnRunner, type CommandResult, type CommandRunner } from "./commandRunner.ts";
import { readPrimaryPackageCount } from "./primary.ts";
import { RepoError } from "./repoErrors.ts";
import { Slots } from "./slots.ts";

export interface RepoPublisherOptions {
  /** The createrepo_c executable, a path or a name looked up in PATH. Default `"createrepo_c"`. */
  createrepoPath?: string;
  /** Most createrepo_c runs at once, over all directories (a count). Default 2. */
  maxParallel?: number;
  /** Threads one run uses to read RPM headers (`--workers`, a count). Default 2. */
  workers?: number;
  /** A run still going after this many milliseconds is killed and fails. Default 600_000 (10 minutes). */
  timeoutMs?: number;
  /** Also write sqlite databases (`--database`), only needed by yum on EL7 and older. Default false (`--no-database`). */
  sqlite?: boolean;
  /** Starts processes. Default spawnRunner; tests pass a counting or fake runner. */
  runner?: CommandRunner;
}

export interface PublishResult {
  /** Wall time of the createrepo_c run that covered this call, in milliseconds (queueing not included). */
  durationMs: number;
  /** True when the run reused existing metadata (`--update`). */
  incremental: boolean;
  /** Packages in the repository afterwards (binary and source RPMs). */
  packages: number;
  /**
   * Warning lines createrepo_c printed, e.g. for an unreadable RPM, which it
   * leaves out of the repository without failing (at most 20 lines).
   */
  warnings: readonly string[];
}

/** Most warning lines kept in a PublishResult. */
export const MAX_WARNINGS = 20;
/** Characters of createrepo_c's output quoted in a CREATEREPO_FAILED message. */
export const FAILURE_TAIL_CHARS = 2_000;

/**
 * Turns chroot directories into dnf repositories with createrepo_c.
 *
 * Flags of every run:
 * - `--update` when `repodata/repomd.xml` exists: reuse the metadata of RPMs
 *   whose size and mtime did not change, so only new builds are read.
 * - `--workers N` (option `workers`).
 * - `--no-database` (or `--database` with option `sqlite`): dnf reads the XML.
 * - `--general-compress-type gz`: gzip for every metadata file, whatever the
 *   createrepo_c version's default (1.x writes zstd), so old clients and
 *   readPrimary() can read it.
 * - `--ignore-lock`: createrepo_c's own lock is the `.repodata/` directory, which
 *   a killed run leaves behind and which then blocks every later run. This
 *   class is the lock instead: one run per directory at a time, so a single
 *   RepoPublisher must own each results tree.
 * Not passed: `--error-exit-val`, so one unreadable RPM does not keep every
 * other build out of the repository; it is reported in `warnings`.
 *
 * Calls for the same directory coalesce. A call made while no run for that
 * directory has started joins the next run; a call made while one is running
 * waits for it and then for one follow-up run that covers every call queued
 * meanwhile. N concurrent calls therefore cause at most 2 runs, and every
 * call's result comes from a run that started after the call was made.
 * Different directories run in parallel, at most `maxParallel` at a time.
 */
export class RepoPublisher {
  private readonly createrepoPath: string;
  private readonly workers: number;
  private readonly timeoutMs: number;
  private readonly sqlite: boolean;
  private readonly runner: CommandRunner;
  private readonly slots: Slots;
  /** The latest job per directory (absolute path). */
  private readonly tails = new Map<string, Job>();
  /** Every accepted job until it settles. */
  private readonly inflight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(options: RepoPublisherOptions = {}) {
    this.createrepoPath = options.createrepoPath ?? "createrepo_c";
    this.workers = positiveInt("workers", options.workers ?? 2);
    this.timeoutMs = positiveInt("timeoutMs", options.timeoutMs ?? 600_000);
    this.sqlite = options.sqlite ?? false;
    this.runner = options.runner ?? spawnRunner;
    this.slots = new Slots(positiveInt("maxParallel", options.maxParallel ?? 2));
    if (this.createrepoPath === "") throw new RepoError("INVALID_CONFIG", "createrepoPath must not be empty");
  }

  /**
   * Makes `chrootDir` a repository (or refreshes it). Rejects with RepoError
   * CREATEREPO_FAILED (missing directory, createrepo_c failed or timed out;
   * the message quotes its output), INVALID_NAME (empty path), CLOSED.
   */
  publish(chrootDir: string): Promise<PublishResult> {
    if (this.closing !== undefined) return Promise.reject(new RepoError("CLOSED", "RepoPublisher is closed"));
    if (typeof chrootDir !== "string" || chrootDir === "") {
      return Promise.reject(new RepoError("INVALID_NAME", "chroot directory must be a non-empty path"));
    }
    const dir = path.resolve(chrootDir);
    const tail = this.tails.get(dir);
    if (tail !== undefined && !tail.state.started) return tail.result;

    const state = { started: false };
    const job: Job = { state, result: this.runAfter(tail, dir, state) };
    this.tails.set(dir, job);
    const settled: Promise<void> = job.result.then(
      () => this.forget(dir, job, settled),
      () => this.forget(dir, job, settled),
    );
    this.inflight.add(settled);
    return job.result;
  }

  /** Runs in progress or waiting (for tests and metrics). */
  get pending(): number {
    return this.inflight.size;
  }

  /**
   * Refuses new publish() calls (CLOSED) and resolves once every accepted
   * call has finished, including follow-up runs already promised. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= Promise.allSettled([...this.inflight]).then(() => undefined);
    return this.closing;
  }

  private async runAfter(previous: Job | undefined, dir: string, state: Job["state"]): Promise<PublishResult> {
    if (previous !== undefined) await previous.result.catch(() => undefined);
    const release = await this.slots.acquire();
    try {
      state.started = true; // from here on, new calls queue a follow-up run
      return await this.run(dir);
    } finally {
      release();
    }
  }

  private forget(dir: string, job: Job, settled: Promise<void>): void {
    if (this.tails.get(dir) === job) this.tails.delete(dir);
    this.inflight.delete(settled);
  }

  private async run(dir: string): Promise<PublishResult> {
    const started = performance.now();
    const info = await stat(dir).catch((err: unknown) => {
      throw new RepoError("CREATEREPO_FAILED", `chroot directory ${dir} does not exist or cannot be read`, { cause: err });
    });
    if (!info.isDirectory()) throw new RepoError("CREATEREPO_FAILED", `chroot directory ${dir} is not a directory`);
    const incremental = await stat(path.join(dir, "repodata", "repomd.xml")).then(
      (s) => s.isFile(),
      () => false,
    );
    const args = this.argsFor(dir, incremental);
    let result: CommandResult;
    try {
      result = await this.runner.run(this.createrepoPath, args, { cwd: dir, timeoutMs: this.timeoutMs });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new RepoError("CREATEREPO_FAILED", `cannot start ${this.createrepoPath}: ${reason}`, { cause: err });
    }
    const durationMs = Math.round(performance.now() - started);
    if (result.timedOut || result.exitCode !== 0) {
      const how = result.timedOut
        ? `timed out after ${this.timeoutMs} ms`
        : result.exitCode !== null ? `exited with code ${result.exitCode}` : `was killed by ${result.signal ?? "a signal"}`;
      throw new RepoError("CREATEREPO_FAILED", `createrepo_c ${how} in ${dir}: ${outputTail(result)}`);
    }
    let packages: number;
    try {
      packages = await readPrimaryPackageCount(dir);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new RepoError("CREATEREPO_FAILED", `createrepo_c succeeded in ${dir} but left unreadable metadata: ${reason}`, { cause: err });
    }
    return { durationMs, incremental, packages, warnings: warningLines(result.stderr) };
  }

  private argsFor(dir: string, incremental: boolean): string[] {
    return [
      ...(incremental ? ["--update"] : []),
      "--workers", String(this.workers),
      this.sqlite ? "--database" : "--no-database",
      "--general-compress-type", "gz",
      "--ignore-lock",
      dir,
    ];
  }
}

interface Job {
  /** `started` is set once the job holds a slot and is about to run; later calls then queue a follow-up. */
  state: { started: boolean };
  result: Promise<PublishResult>;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RepoError("INVALID_CONFIG", `RepoPublisher option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function outputTail(result: CommandResult): string {
  const text = (result.stderr.trim() !== "" ? result.stderr : result.stdout).trim();
  if (text === "") return "(no output)";
  return text.length > FAILURE_TAIL_CHARS ? `…${text.slice(-FAILURE_TAIL_CHARS)}` : text;
}

function warningLines(stderr: string): string[] {
  return stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /warning/i.test(line))
    .slice(0, MAX_WARNINGS);
}
