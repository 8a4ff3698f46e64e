import { isFinal, type TaskState } from "@copr/domain";
import { StoreError } from "./storeErrors.ts";
import { StorePart } from "./storePart.ts";
import { buildIdOf } from "./taskHash.ts";

/** Where a new build goes, as resolved at submission (see Batches.plan). */
export type BatchPlan =
  | { kind: "with"; buildId: number; batchId: number }
  | { kind: "after"; buildId: number; batchId: number };

/** A batch's outcome so far: every build succeeded (or was skipped), one failed or was canceled, or still open. */
export type BatchVerdict =
  | { kind: "done" }
  | { kind: "failed"; buildId: number; state: TaskState }
  | { kind: "open"; waitingFor: number[] };

/** The verdict from the task states of each build of a batch. A failed or canceled task fails its build at once. */
export function batchVerdict(builds: ReadonlyMap<number, readonly TaskState[]>): BatchVerdict {
  const open: number[] = [];
  for (const [id, states] of [...builds].sort(([a], [b]) => a - b)) {
    const bad = states.find((s) => s === "failed" || s === "canceled");
    if (bad !== undefined) return { kind: "failed", buildId: id, state: bad };
    if (!states.every(isFinal)) open.push(id);
  }
  return open.length === 0 ? { kind: "done" } : { kind: "open", waitingFor: open };
}

/**
 * Build batches, as Copr has them: `--with-build-id N` puts a build in N's
 * batch; `--after-build-id N` starts a new batch that waits for N's batch to
 * succeed. The two exclude each other, so a batch only ever waits for one
 * that existed before it: there is no way to make a cycle.
 */
export class Batches extends StorePart {
  async batchOf(buildId: number): Promise<number | null> {
    const v = await this.redis.hget(this.keys.batchOfBuild(), String(buildId));
    return v === null ? null : Number(v);
  }

  /** The batches of these builds (builds in none are left out); one round trip. */
  async batchesOf(buildIds: readonly number[]): Promise<Map<number, number>> {
    if (buildIds.length === 0) return new Map();
    const values = await this.redis.hmget(this.keys.batchOfBuild(), ...buildIds.map(String));
    const out = new Map<number, number>();
    buildIds.forEach((id, i) => {
      const v = values[i];
      if (v !== null && v !== undefined) out.set(id, Number(v));
    });
    return out;
  }

  async blockedBy(batchId: number): Promise<number | null> {
    const v = await this.redis.hget(this.keys.batch(batchId), "blockedBy");
    return v === null ? null : Number(v);
  }

  async builds(batchId: number): Promise<number[]> {
    return (await this.redis.smembers(this.keys.batchBuilds(batchId))).map(Number).sort((a, b) => a - b);
  }

  /** The verdict of a batch from its builds' task states. */
  async verdict(batchId: number): Promise<BatchVerdict> {
    const builds = await this.builds(batchId);
    // Task ids from each build's record, or from its tombstone once deleted (a deleted build still counts).
    const pipe = this.redis.pipeline();
    for (const b of builds) pipe.hget(this.keys.build(b), "json").get(this.keys.buildTombstone(b));
    const replies = ((await pipe.exec()) ?? []).map(([, v]) => v as string | null);
    const taskIds = builds.map((_b, i) => {
      const json = replies[2 * i] ?? replies[2 * i + 1] ?? null;
      return json === null ? [] : ((JSON.parse(json) as { taskIds?: string[] }).taskIds ?? []);
    });
    const statePipe = this.redis.pipeline();
    for (const id of taskIds.flat()) statePipe.hget(this.keys.task(id), "state");
    const states = ((await statePipe.exec()) ?? []).map(([, v]) => JSON.parse(String(v)) as TaskState);
    const byBuild = new Map<number, TaskState[]>(builds.map((b) => [b, []]));
    taskIds.flat().forEach((id, i) => {
      const s = states[i];
      if (s !== undefined) byBuild.get(buildIdOf(id))?.push(s);
    });
    return batchVerdict(byBuild);
  }

  /**
   * Checks the batch options of a new build by `owner` and puts build N in a
   * batch of its own if it has none yet. Refuses (StoreError BATCH_REFUSED or
   * NOT_FOUND, nothing changed but N's batch) what Copr refuses, and an
   * `--after-build-id` whose batch already failed: nothing could ever start.
   */
  async plan(owner: string, options: { afterBuildId?: number | undefined; withBuildId?: number | undefined }): Promise<BatchPlan | undefined> {
    const { afterBuildId, withBuildId } = options;
    if (afterBuildId !== undefined && withBuildId !== undefined) {
      throw new StoreError("BATCH_REFUSED", "give either --after-build-id or --with-build-id, not both (as Copr)");
    }
    const buildId = afterBuildId ?? withBuildId;
    if (buildId === undefined) return undefined;
    const json = await this.redis.hget(this.keys.build(buildId), "json");
    if (json === null) throw new StoreError("NOT_FOUND", `build ${buildId} does not exist; a batch can only follow or join an existing build`);
    const build = JSON.parse(json) as { owner: string };
    if (build.owner !== owner) throw new StoreError("BATCH_REFUSED", `build ${buildId} is ${build.owner}'s; a batch holds the builds of one owner`);
    const batchId = await this.#batchFor(buildId);
    await this.#noCycle(batchId);
    const verdict = await this.verdict(batchId);
    if (withBuildId !== undefined && verdict.kind !== "open") {
      throw new StoreError("BATCH_REFUSED", `build ${buildId}'s batch has finished; use --after-build-id ${buildId} to build after it`);
    }
    if (afterBuildId !== undefined && verdict.kind === "failed") {
      throw new StoreError("BATCH_REFUSED", `build ${verdict.buildId} of build ${buildId}'s batch ${verdict.state === "canceled" ? "was canceled" : "failed"}: nothing would ever start after it`);
    }
    return withBuildId !== undefined ? { kind: "with", buildId, batchId } : { kind: "after", buildId, batchId };
  }

  /** The batch of a build, created for it (race-free) when it has none. */
  async #batchFor(buildId: number): Promise<number> {
    const existing = await this.batchOf(buildId);
    if (existing !== null) return existing;
    const id = await this.redis.incr(this.keys.batchSeq());
    if ((await this.redis.hsetnx(this.keys.batchOfBuild(), String(buildId), String(id))) === 1) {
      await this.redis.sadd(this.keys.batchBuilds(id), String(buildId));
      return id;
    }
    return (await this.batchOf(buildId)) ?? id;
  }

  /** Walks the chain of batches `batchId` waits for; refuses one that comes back to itself (stored data gone wrong). */
  async #noCycle(batchId: number): Promise<void> {
    const seen = new Set<number>();
    for (let b: number | null = batchId; b !== null; b = await this.blockedBy(b)) {
      if (seen.has(b)) throw new StoreError("BATCH_REFUSED", `batch ${b} waits for itself through ${[...seen].join(" → ")}; it can never start`);
      seen.add(b);
    }
  }
}
