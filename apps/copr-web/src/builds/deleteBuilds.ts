import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { resultDir } from "@copr/repo";
import { StoreError, type Build, type User } from "@copr/store";
import { isFinal } from "@copr/domain";
import type { WebDeps } from "../api/context.ts";
import { HttpError } from "../http/httpError.ts";
import { waitForBuildEnd } from "./waitForBuildEnd.ts";

/** Most builds one request may delete. */
export const MAX_DELETE = 1000;

/** How long a delete waits for the builds it canceled to stop, ms. */
export const STOP_WAIT_MS = 30_000;

/**
 * Deletes builds of the user's (or, for an admin, anyone's). All are checked
 * first — a missing (404) or someone else's (403) build refuses the whole
 * request and changes nothing. Builds still queued or running are canceled
 * first and waited for (up to `stopWaitMs`; one still stopping then is 409
 * IN_PROGRESS and nothing is deleted). Then each leaves Redis but for a
 * tombstone, its result directories are removed, and Headhunter regenerates
 * the repositories its packages were in.
 */
export async function deleteBuilds(deps: WebDeps, user: User, ids: readonly number[], stopWaitMs = STOP_WAIT_MS, regenerate = true): Promise<number[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw new HttpError(400, "INVALID_ARGUMENT", "give at least one build id");
  if (unique.length > MAX_DELETE) throw new HttpError(400, "INVALID_ARGUMENT", `at most ${MAX_DELETE} builds in one request`);
  for (const id of unique) {
    const build = await deps.store.builds.getBuild(id);
    if (build === null) throw new HttpError(404, "NOT_FOUND", `Build ${id} does not exist.`);
    if (build.owner !== user.name && !user.admin) throw new HttpError(403, "FORBIDDEN", `build ${id} belongs to ${build.owner}; only the owner or an admin may delete it`);
  }
  await stopFirst(deps, user, unique, stopWaitMs);
  const deleted: number[] = [];
  for (const id of unique) {
    let removed;
    try {
      removed = await deps.store.deletions.deleteBuild(id, user.name);
    } catch (error) {
      // Deleted meanwhile by another request: that is done too.
      if (error instanceof StoreError && error.code === "NOT_FOUND") continue;
      throw error;
    }
    const { build, tasks } = removed;
    for (const t of tasks) {
      await removeResultDir(deps, build, resultDir(deps.resultsDir, { owner: build.owner, project: build.project, chroot: t.chroot, buildId: build.id, packageName: build.srpm.name }));
      if (regenerate && t.state === "succeeded") await deps.queues.control({ kind: "regenerate-repo", owner: build.owner, project: build.project, chroot: t.chroot });
    }
    deleted.push(id);
  }
  return deleted;
}

/** Cancels the builds that have not ended and waits until they have; 409 IN_PROGRESS when one is still stopping. */
async function stopFirst(deps: WebDeps, user: User, ids: readonly number[], stopWaitMs: number): Promise<void> {
  const running: number[] = [];
  for (const id of ids) {
    const build = await deps.store.builds.getBuild(id);
    const tasks = build === null ? [] : await deps.store.builds.getTasks(build.taskIds);
    if (!tasks.every((t) => isFinal(t.state))) running.push(id);
  }
  for (const id of running) await deps.queues.control({ kind: "cancel-build", buildId: id, by: user.name });
  const deadline = Date.now() + stopWaitMs;
  for (const id of running) {
    const view = await waitForBuildEnd(deps.store, id, Math.max(0, deadline - Date.now()));
    if (view !== null && !view.tasks.every((t) => isFinal(t.state))) {
      throw new HttpError(409, "IN_PROGRESS", `build ${id} is still stopping after its cancel; nothing was deleted, try again in a moment`);
    }
  }
}

/** Removes one of a build's result directories, taking its bytes off the project's disk use. */
export async function removeResultDir(deps: WebDeps, build: Build, dir: string): Promise<void> {
  await deps.store.projects.addDiskBytes(build.owner, build.project, -(await directoryBytes(dir)));
  await rm(dir, { recursive: true, force: true });
}

/** Bytes of the regular files under `dir` (0 when it does not exist). */
async function directoryBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await directoryBytes(path);
    else if (e.isFile()) total += (await stat(path).catch(() => null))?.size ?? 0;
  }
  return total;
}
