import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Project, User } from "@copr/store";
import type { WebDeps } from "../api/context.ts";
import { HttpError } from "../http/httpError.ts";
import { deleteBuilds } from "./deleteBuilds.ts";

/**
 * Deletes a project (owner or admin): it stops taking builds at once, its
 * builds are deleted as `deleteBuilds` does (queued and running ones are
 * canceled first), then its records, search entries and results directory
 * go. If its builds cannot all be stopped yet (409), the project stays
 * marked and a retry finishes the job. Returns the project as it was.
 */
export async function deleteProject(deps: WebDeps, user: User, owner: string, name: string): Promise<Project> {
  const project = await deps.store.projects.getProject(owner, name);
  if (project === null) throw new HttpError(404, "NOT_FOUND", `Project ${owner}/${name} does not exist.`);
  if (project.owner !== user.name && !user.admin) throw new HttpError(403, "FORBIDDEN", `project ${owner}/${name} belongs to ${project.owner}; only its owner or an admin may delete it`);
  await deps.store.projects.markDeleting(owner, name);
  const ids = await deps.store.projects.projectBuildIds(owner, name);
  // Its repositories go with it: none is regenerated.
  if (ids.length > 0) await deleteBuilds(deps, user, ids, undefined, false);
  await deps.store.projects.removeProject(owner, name);
  // Its results directory, repositories included (deleteBuilds already emptied it of builds).
  // A createrepo_c still finishing there (from a build that just ended) can race the removal: retry.
  await rm(join(deps.resultsDir, owner, name), { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  return project;
}
