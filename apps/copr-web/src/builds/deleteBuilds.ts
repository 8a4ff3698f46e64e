import { rm } from "node:fs/promises";
import { resultDir } from "@copr/repo";
import { StoreError, type User } from "@copr/store";
import type { WebDeps } from "../api/context.ts";
import { HttpError } from "../http/httpError.ts";

/** Most builds one request may delete. */
export const MAX_DELETE = 1000;

/**
 * Deletes finished builds of the user's (or, for an admin, anyone's): all
 * are checked first — missing (404), someone else's (403) or not ended
 * (409 IN_PROGRESS) refuses the whole request and changes nothing. Then each
 * leaves Redis but for a tombstone, its result directories are removed, and
 * Headhunter regenerates the repositories its packages were in.
 */
export async function deleteBuilds(deps: WebDeps, user: User, ids: readonly number[]): Promise<number[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw new HttpError(400, "INVALID_ARGUMENT", "give at least one build id");
  if (unique.length > MAX_DELETE) throw new HttpError(400, "INVALID_ARGUMENT", `at most ${MAX_DELETE} builds in one request`);
  for (const id of unique) {
    const build = await deps.store.builds.getBuild(id);
    if (build === null) throw new HttpError(404, "NOT_FOUND", `Build ${id} does not exist.`);
    if (build.owner !== user.name && !user.admin) throw new HttpError(403, "FORBIDDEN", `build ${id} belongs to ${build.owner}; only the owner or an admin may delete it`);
    const tasks = await deps.store.builds.getTasks(build.taskIds);
    if (tasks.some((t) => t.state !== "succeeded" && t.state !== "failed" && t.state !== "canceled" && t.state !== "skipped")) {
      throw new HttpError(409, "IN_PROGRESS", `build ${id} has not ended; cancel it first (copr cancel ${id})`);
    }
  }
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
      await rm(resultDir(deps.resultsDir, { owner: build.owner, project: build.project, chroot: t.chroot, buildId: build.id, packageName: build.srpm.name }), { recursive: true, force: true });
      if (t.state === "succeeded") await deps.queues.control({ kind: "regenerate-repo", owner: build.owner, project: build.project, chroot: t.chroot });
    }
    deleted.push(id);
  }
  return deleted;
}
