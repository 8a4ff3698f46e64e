import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { primaryXml, tempDir, writeRepodata } from "../test/fixtures.ts";
import type { CommandOptions, CommandResult, CommandRunner } from "./commandRunner.ts";
import { RepoPublisher, type PublishResult } from "./createrepo.ts";
import { RepoError, type RepoErrorCode } from "./repoErrors.ts";

/**
 * Stands in for createrepo_c: records every run, can hold runs until the test
 * releases them, and on success writes repodata whose package count is the
 * run's number (1, 2, ...) so a result tells which run produced it.
 */
class FakeCreaterepo implements CommandRunner {
  readonly calls: { file: string; args: readonly string[]; options: CommandOptions }[] = [];
  running = 0;
  maxRunning = 0;
  hold = false;
  outcome: Partial<CommandResult> | Error = {};
  writeRepodata = true;
  private readonly held: (() => void)[] = [];

  async run(file: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
    this.calls.push({ file, args, options });
    const run = this.calls.length;
    const outcome = this.outcome; // fixed when the run starts
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
      else await new Promise((resolve) => setTimeout(resolve, 5));
      if (outcome instanceof Error) throw outcome;
      const result: CommandResult = { exitCode: 0, signal: null, timedOut: false, stdout: "", stderr: "", ...outcome };
      if (result.exitCode === 0 && !result.timedOut && this.writeRepodata) {
        const pkgs = Array.from({ length: run }, (_, i) => ({ name: `p${i}`, arch: "noarch", ver: "1", rel: "1", href: `x/p${i}.rpm` }));
        await writeRepodata(args.at(-1) ?? "", primaryXml(pkgs));
      }
      return result;
    } finally {
      this.running -= 1;
    }
  }

  /** Lets the oldest held run finish. */
  releaseOne(): void {
    this.held.shift()?.();
  }

  releaseAll(): void {
    this.hold = false;
    for (const release of this.held.splice(0)) release();
  }

  get heldCount(): number {
    return this.held.length;
  }
}

async function codeOf(promise: Promise<unknown>): Promise<RepoErrorCode | "no error"> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RepoError) return err.code;
    throw err;
  }
  return "no error";
}

async function setup(options: { maxParallel?: number; dirs?: number } = {}) {
  const root = await tempDir();
  const dirs = await Promise.all(
    Array.from({ length: options.dirs ?? 1 }, async (_, i) => {
      const dir = path.join(root, "alice", "hello", `fedora-${40 + i}-x86_64`);
      await mkdir(dir, { recursive: true });
      return dir;
    }),
  );
  const fake = new FakeCreaterepo();
  const publisher = new RepoPublisher({ runner: fake, maxParallel: options.maxParallel });
  return { root, dirs, dir: dirs[0] ?? "", fake, publisher };
}

/** Lets queued microtasks and short timers run. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

describe("RepoPublisher flags", () => {
  it("runs a full createrepo_c first and --update once repomd.xml exists", async () => {
    const { dir, fake, publisher } = await setup();
    const first = await publisher.publish(dir);
    const second = await publisher.publish(dir);
    expect(fake.calls.map((c) => c.args)).toEqual([
      ["--workers", "2", "--no-database", "--general-compress-type", "gz", "--ignore-lock", dir],
      ["--update", "--workers", "2", "--no-database", "--general-compress-type", "gz", "--ignore-lock", dir],
    ]);
    expect(fake.calls[0]?.file).toBe("createrepo_c");
    expect(fake.calls[0]?.options).toEqual({ cwd: dir, timeoutMs: 600_000 });
    expect(first).toMatchObject({ incremental: false, packages: 1, warnings: [] });
    expect(second).toMatchObject({ incremental: true, packages: 2 });
    expect(first.durationMs).toBeGreaterThanOrEqual(0);
    await publisher.close();
  });

  it("honours createrepoPath, workers, sqlite and timeoutMs", async () => {
    const { dir, fake } = await setup();
    const publisher = new RepoPublisher({ runner: fake, createrepoPath: "/opt/cr", workers: 4, sqlite: true, timeoutMs: 1234 });
    await publisher.publish(dir);
    expect(fake.calls[0]).toEqual({
      file: "/opt/cr",
      args: ["--workers", "4", "--database", "--general-compress-type", "gz", "--ignore-lock", dir],
      options: { cwd: dir, timeoutMs: 1234 },
    });
    await publisher.close();
  });

  it.each([{ maxParallel: 0 }, { workers: -1 }, { timeoutMs: 1.5 }, { maxParallel: Number.NaN }, { createrepoPath: "" }])(
    "refuses options %j with INVALID_CONFIG",
    (options) => {
      expect(() => new RepoPublisher(options)).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }) as Error);
    },
  );
});

describe("RepoPublisher coalescing", () => {
  it("turns 10 calls made at once into one run", async () => {
    const { dir, fake, publisher } = await setup();
    const results = await Promise.all(Array.from({ length: 10 }, () => publisher.publish(dir)));
    expect(fake.calls).toHaveLength(1);
    expect(new Set(results.map((r) => r.packages))).toEqual(new Set([1]));
    await publisher.close();
  });

  it("runs once more for every call made while a run is in progress, and only once", async () => {
    const { dir, fake, publisher } = await setup();
    fake.hold = true;
    const first = publisher.publish(dir);
    await vi.waitFor(() => expect(fake.heldCount).toBe(1));
    const later = Array.from({ length: 9 }, () => publisher.publish(dir));
    await settle();
    expect(fake.calls).toHaveLength(1); // the follow-up waits for the running one
    fake.releaseOne();
    await vi.waitFor(() => expect(fake.heldCount).toBe(1));
    expect(fake.calls).toHaveLength(2);
    fake.releaseAll();
    expect((await first).packages).toBe(1);
    // every late caller gets the follow-up run, which started after its call
    expect((await Promise.all(later)).map((r) => r.packages)).toEqual(Array(9).fill(2));
    expect(fake.calls).toHaveLength(2);
    expect(fake.maxRunning).toBe(1);
    await publisher.close();
  });

  it("queues a third run for calls made after the follow-up started", async () => {
    const { dir, fake, publisher } = await setup();
    fake.hold = true;
    const a = publisher.publish(dir);
    await vi.waitFor(() => expect(fake.heldCount).toBe(1));
    const b = publisher.publish(dir);
    fake.releaseOne();
    await vi.waitFor(() => expect(fake.calls).toHaveLength(2));
    const c = publisher.publish(dir);
    const d = publisher.publish(dir);
    fake.releaseAll();
    expect((await Promise.all([a, b, c, d])).map((r) => r.packages)).toEqual([1, 2, 3, 3]);
    expect(fake.maxRunning).toBe(1);
    await publisher.close();
  });

  it("treats relative and absolute spellings of a directory as the same one", async () => {
    const { dir, fake, publisher } = await setup();
    const rel = path.relative(process.cwd(), dir);
    await Promise.all([publisher.publish(dir), publisher.publish(rel), publisher.publish(`${dir}/`)]);
    expect(fake.calls).toHaveLength(1);
    await publisher.close();
  });

  it("runs different directories in parallel, at most maxParallel at a time", async () => {
    const { dirs, fake, publisher } = await setup({ dirs: 5, maxParallel: 2 });
    fake.hold = true;
    const all = dirs.map((d) => publisher.publish(d));
    await vi.waitFor(() => expect(fake.heldCount).toBe(2));
    await settle();
    expect(fake.calls).toHaveLength(2);
    fake.releaseOne();
    await vi.waitFor(() => expect(fake.calls).toHaveLength(3));
    fake.releaseAll();
    await Promise.all(all);
    expect(fake.calls.map((c) => c.options.cwd).sort()).toEqual([...dirs].sort());
    expect(fake.maxRunning).toBe(2);
    await publisher.close();
  });

  it("lets calls join a run that is still waiting for a free slot", async () => {
    const { dirs, fake, publisher } = await setup({ dirs: 2, maxParallel: 1 });
    const [d0 = "", d1 = ""] = dirs;
    fake.hold = true;
    const busy = publisher.publish(d0);
    await vi.waitFor(() => expect(fake.heldCount).toBe(1));
    const waiting = Array.from({ length: 5 }, () => publisher.publish(d1)); // all queued behind the slot
    fake.releaseAll();
    await Promise.all([busy, ...waiting]);
    expect(fake.calls.filter((c) => c.options.cwd === d1)).toHaveLength(1);
    await publisher.close();
  });
});

describe("RepoPublisher failures", () => {
  it("reports a non-zero exit as CREATEREPO_FAILED with the end of stderr", async () => {
    const { dir, fake, publisher } = await setup();
    fake.outcome = { exitCode: 1, stderr: `${"noise\n".repeat(1000)}Critical error: cannot open repodata/\n` };
    const err = await publisher.publish(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RepoError);
    expect((err as RepoError).code).toBe("CREATEREPO_FAILED");
    expect((err as RepoError).message).toContain("exited with code 1");
    expect((err as RepoError).message).toContain("Critical error: cannot open repodata/");
    expect((err as RepoError).message.length).toBeLessThan(2_500);
    await publisher.close();
  });

  it.each([
    ["a timeout", { exitCode: null, signal: "SIGTERM", timedOut: true }, "timed out"],
    ["a signal", { exitCode: null, signal: "SIGKILL" }, "killed by SIGKILL"],
    ["stdout only", { exitCode: 2, stdout: "Directory x must exist" }, "Directory x must exist"],
  ] as const)("reports %s as CREATEREPO_FAILED", async (_what, outcome, text) => {
    const { dir, fake, publisher } = await setup();
    fake.outcome = outcome;
    const err = await publisher.publish(dir).catch((e: unknown) => e);
    expect((err as RepoError).code).toBe("CREATEREPO_FAILED");
    expect((err as RepoError).message).toContain(text);
    await publisher.close();
  });

  it("reports a createrepo_c that cannot be started as CREATEREPO_FAILED with the cause", async () => {
    const { dir, fake, publisher } = await setup();
    const enoent = Object.assign(new Error("spawn createrepo_c ENOENT"), { code: "ENOENT" });
    fake.outcome = enoent;
    const err = await publisher.publish(dir).catch((e: unknown) => e);
    expect((err as RepoError).code).toBe("CREATEREPO_FAILED");
    expect((err as RepoError).cause).toBe(enoent);
    await publisher.close();
  });

  it("fails a directory that does not exist or is a file without running createrepo_c", async () => {
    const { root, fake, publisher } = await setup();
    expect(await codeOf(publisher.publish(path.join(root, "nope")))).toBe("CREATEREPO_FAILED");
    await writeFile(path.join(root, "file"), "x");
    expect(await codeOf(publisher.publish(path.join(root, "file")))).toBe("CREATEREPO_FAILED");
    expect(await codeOf(publisher.publish(""))).toBe("INVALID_NAME");
    expect(fake.calls).toHaveLength(0);
    await publisher.close();
  });

  it("fails when createrepo_c exits 0 but leaves no readable metadata", async () => {
    const { dir, fake, publisher } = await setup();
    fake.writeRepodata = false;
    expect(await codeOf(publisher.publish(dir))).toBe("CREATEREPO_FAILED");
    await publisher.close();
  });

  it("still runs the follow-up after a failed run", async () => {
    const { dir, fake, publisher } = await setup();
    fake.hold = true;
    fake.outcome = { exitCode: 1, stderr: "boom" };
    const first = publisher.publish(dir);
    await vi.waitFor(() => expect(fake.heldCount).toBe(1));
    const second = publisher.publish(dir);
    fake.outcome = {};
    fake.releaseAll();
    expect(await codeOf(first)).toBe("CREATEREPO_FAILED");
    expect((await second).packages).toBe(2);
    expect(fake.calls).toHaveLength(2);
    await publisher.close();
  });

  it("returns createrepo_c's warning lines", async () => {
    const { dir, fake, publisher } = await setup();
    fake.outcome = { stderr: "C_CREATEREPOLIB: Warning: Cannot read package: x/bad.rpm\nother line\n" };
    expect((await publisher.publish(dir)).warnings).toEqual(["C_CREATEREPOLIB: Warning: Cannot read package: x/bad.rpm"]);
    await publisher.close();
  });
});

describe("RepoPublisher.close", () => {
  it("waits for the running and the promised follow-up run, then refuses new calls", async () => {
    const { dir, fake, publisher } = await setup();
    fake.hold = true;
    const first = publisher.publish(dir);
    await vi.waitFor(() => expect(fake.heldCount).toBe(1));
    const second = publisher.publish(dir);
    let closed = false;
    const closing = publisher.close().then(() => {
      closed = true;
    });
    expect(await codeOf(publisher.publish(dir))).toBe("CLOSED");
    await settle();
    expect(closed).toBe(false);
    fake.releaseAll();
    await closing;
    const results: PublishResult[] = await Promise.all([first, second]);
    expect(results.map((r) => r.packages)).toEqual([1, 2]);
    expect(publisher.pending).toBe(0);
    await publisher.close(); // idempotent
    expect(await codeOf(publisher.publish(dir))).toBe("CLOSED");
  });

  it("resolves at once when idle, and twice in a row", async () => {
    const { publisher } = await setup();
    await publisher.close();
    await publisher.close();
  });

  it("resolves even when the runs it waits for fail", async () => {
    const { dir, fake, publisher } = await setup();
    fake.outcome = { exitCode: 1 };
    const failing = publisher.publish(dir);
    await publisher.close();
    expect(await codeOf(failing)).toBe("CREATEREPO_FAILED");
  });
});
