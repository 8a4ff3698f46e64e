import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  RepoError, RepoPublisher, chrootDir, formatNevra, readPrimary, resultDir, spawnRunner,
  type CommandOptions, type CommandResult, type CommandRunner, type RepoErrorCode,
} from "../src/index.ts";
import { tempDir } from "./fixtures.ts";
import { buildRpm, placeResult, sha256, type BuiltRpm } from "./rpmbuild.ts";

const chroot = { owner: "alice", project: "hello", chroot: "fedora-40-x86_64" };

/** A hold on the runner: `reached` resolves once a run waits at the gate. */
interface Hold {
  reached: Promise<void>;
  release(): void;
}

/**
 * Wraps the real runner, counting createrepo_c runs and how many overlap.
 * `hold()` makes runs wait after createrepo_c exited, still counted as
 * running, until released; its `reached` resolves when the first run gets
 * there. A test that awaits `reached` can then change the directory while a
 * run is certainly in progress and its directory walk certainly over.
 */
function countingRunner() {
  let gate: { open: Promise<void>; arrived(): void } | undefined;
  const counter = {
    runs: 0,
    running: 0,
    maxRunning: 0,
    started: [] as string[][],
    hold(): Hold {
      let release = (): void => undefined;
      let arrived = (): void => undefined;
      const open = new Promise<void>((resolve) => (release = resolve));
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      gate = { open, arrived };
      return {
        reached,
        release: () => {
          gate = undefined;
          release();
        },
      };
    },
    async run(file: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
      counter.runs += 1;
      counter.started.push([...args]);
      counter.running += 1;
      counter.maxRunning = Math.max(counter.maxRunning, counter.running);
      try {
        const result = await spawnRunner.run(file, args, options);
        if (gate !== undefined) {
          gate.arrived();
          await gate.open;
        }
        return result;
      } finally {
        counter.running -= 1;
      }
    },
  } satisfies CommandRunner & Record<string, unknown>;
  return counter;
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

const nevras = (rpm: BuiltRpm): string[] => {
  const evr = `${rpm.epoch === undefined ? "" : `${rpm.epoch}:`}${rpm.version}-${rpm.release}`;
  return [`${rpm.name}-${evr}.noarch`, `${rpm.name}-${evr}.src`];
};

describe("RepoPublisher with the real createrepo_c", () => {
  let hello: BuiltRpm;
  let world: BuiltRpm;
  let extra: BuiltRpm;
  let late: BuiltRpm;
  let top = "";

  beforeAll(async () => {
    top = await mkdtemp(path.join(tmpdir(), "copr-rpmbuild-"));
    [hello, world, extra, late] = await Promise.all([
      buildRpm(path.join(top, "hello"), { name: "hello", version: "1.0", release: "1" }),
      buildRpm(path.join(top, "world"), { name: "world", version: "2.1", release: "3.fc40", epoch: 2 }),
      buildRpm(path.join(top, "extra"), { name: "extra-tools", version: "0.5", release: "1" }),
      buildRpm(path.join(top, "late"), { name: "late", version: "9", release: "1" }),
    ]);
  });

  afterAll(async () => {
    if (top !== "") await rm(top, { recursive: true, force: true });
  });

  it("publishes result dirs as a repository listing exactly their packages, then updates it incrementally", async () => {
    const root = await tempDir();
    const dir = chrootDir(root, chroot);
    await placeResult(resultDir(root, { ...chroot, buildId: 42, packageName: "hello" }), hello);
    await placeResult(resultDir(root, { ...chroot, buildId: 43, packageName: "world" }), world);
    const publisher = new RepoPublisher();

    const first = await publisher.publish(dir);
    expect(first).toMatchObject({ incremental: false, packages: 4, warnings: [] });
    const listed = await readPrimary(dir);
    expect(listed.map(formatNevra).sort()).toEqual([...nevras(hello), ...nevras(world)].sort());
    const helloBin = listed.find((p) => p.name === "hello" && p.arch === "noarch");
    expect(helloBin).toEqual({
      name: "hello", arch: "noarch", epoch: 0, version: "1.0", release: "1",
      location: "00000042-hello/hello-1.0-1.noarch.rpm",
      checksum: { type: "sha256", value: await sha256(hello.binary) },
    });
    expect(listed.find((p) => p.name === "world" && p.arch === "src")).toMatchObject({
      epoch: 2, version: "2.1", release: "3.fc40", location: "00000043-world/world-2.1-3.fc40.src.rpm",
    });

    await placeResult(resultDir(root, { ...chroot, buildId: 44, packageName: "extra-tools" }), extra);
    const second = await publisher.publish(dir);
    expect(second).toMatchObject({ incremental: true, packages: 6 });
    expect((await readPrimary(dir)).map(formatNevra).sort()).toEqual([...nevras(hello), ...nevras(world), ...nevras(extra)].sort());
    await publisher.close();
  });

  it("runs createrepo_c at most twice for 10 concurrent publishes, and the late callers see builds added meanwhile", async () => {
    const root = await tempDir();
    const dir = chrootDir(root, chroot);
    await placeResult(resultDir(root, { ...chroot, buildId: 1, packageName: "hello" }), hello);
    const runner = countingRunner();
    const publisher = new RepoPublisher({ runner });

    // All at once: they share one run.
    const together = await Promise.all(Array.from({ length: 10 }, () => publisher.publish(dir)));
    expect(runner.runs).toBeLessThanOrEqual(2);
    expect(together.every((r) => r.packages === 2)).toBe(true);

    // One run in progress, nine calls (and a new build) arrive meanwhile: exactly one follow-up run.
    runner.runs = 0;
    const hold = runner.hold();
    const first = publisher.publish(dir);
    await hold.reached; // createrepo_c has exited; the run is not over yet
    expect(runner.running).toBe(1);
    await placeResult(resultDir(root, { ...chroot, buildId: 2, packageName: "late" }), late);
    const rest = Array.from({ length: 9 }, () => publisher.publish(dir));
    hold.release();
    expect((await first).packages).toBe(2); // its walk was over before "late" arrived
    const results = await Promise.all(rest);
    expect(runner.runs).toBe(2);
    expect(runner.maxRunning).toBe(1);
    expect(runner.started.slice(-2).every((args) => args[0] === "--update")).toBe(true);
    expect(results.every((r) => r.packages === 4)).toBe(true);
    expect((await readPrimary(dir)).map((p) => p.name)).toContain("late");
    await publisher.close();
  });

  it("publishes different chroots in parallel", async () => {
    const root = await tempDir();
    const chroots = ["fedora-40-x86_64", "fedora-41-x86_64", "epel-9-x86_64"].map((c) => ({ ...chroot, chroot: c }));
    for (const [i, ref] of chroots.entries()) await placeResult(resultDir(root, { ...ref, buildId: i + 1, packageName: "hello" }), hello);
    const runner = countingRunner();
    const publisher = new RepoPublisher({ runner, maxParallel: 2 });
    const results = await Promise.all(chroots.map((ref) => publisher.publish(chrootDir(root, ref))));
    expect(results.map((r) => r.packages)).toEqual([2, 2, 2]);
    expect(runner.runs).toBe(3);
    expect(runner.maxRunning).toBeLessThanOrEqual(2);
    await publisher.close();
  });

  it("fails clearly for a chroot directory that does not exist, and refuses names that escape the root", async () => {
    const root = await tempDir();
    const publisher = new RepoPublisher();
    const missing = chrootDir(root, { ...chroot, project: "never-built" });
    const err = await publisher.publish(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RepoError);
    expect((err as RepoError).code).toBe("CREATEREPO_FAILED");
    expect((err as RepoError).message).toContain(missing);
    expect(await codeOf(Promise.resolve().then(() => chrootDir(root, { ...chroot, project: ".." })))).toBe("INVALID_NAME");
    expect(await codeOf(readPrimary(root))).toBe("METADATA_NOT_FOUND");
    await publisher.close();
  });

  it("reports createrepo_c's own failure with its output", async () => {
    const root = await tempDir();
    const dir = chrootDir(root, chroot);
    await placeResult(resultDir(root, { ...chroot, buildId: 1, packageName: "hello" }), hello);
    await writeFile(path.join(dir, "repodata"), "a file where the repodata directory belongs");
    const publisher = new RepoPublisher();
    const err = await publisher.publish(dir).catch((e: unknown) => e);
    expect((err as RepoError).code).toBe("CREATEREPO_FAILED");
    expect((err as RepoError).message).toMatch(/exited with code 1.*repodata/s);
    await publisher.close();
  });

  it("reports a missing createrepo_c binary as CREATEREPO_FAILED", async () => {
    const root = await tempDir();
    const dir = chrootDir(root, chroot);
    await mkdir(dir, { recursive: true });
    const publisher = new RepoPublisher({ createrepoPath: "/nonexistent/createrepo_c" });
    expect(await codeOf(publisher.publish(dir))).toBe("CREATEREPO_FAILED");
    await publisher.close();
  });

  it("skips an unreadable RPM with a warning, and is not blocked by a stale .repodata lock", async () => {
    const root = await tempDir();
    const dir = chrootDir(root, chroot);
    await placeResult(resultDir(root, { ...chroot, buildId: 1, packageName: "hello" }), hello);
    const broken = resultDir(root, { ...chroot, buildId: 2, packageName: "broken" });
    await mkdir(broken, { recursive: true });
    await writeFile(path.join(broken, "broken-1-1.noarch.rpm"), "not an rpm");
    await mkdir(path.join(dir, ".repodata")); // left behind by a killed run
    const publisher = new RepoPublisher();
    const result = await publisher.publish(dir);
    expect(result.packages).toBe(2);
    expect(result.warnings.join("\n")).toContain("broken-1-1.noarch.rpm");
    expect((await readPrimary(dir)).map((p) => p.name)).toEqual(["hello", "hello"]);
    await expect(stat(path.join(dir, ".repodata"))).rejects.toMatchObject({ code: "ENOENT" });
    await rm(broken, { recursive: true });
    expect((await publisher.publish(dir)).warnings).toEqual([]);
    await publisher.close();
  });
});
