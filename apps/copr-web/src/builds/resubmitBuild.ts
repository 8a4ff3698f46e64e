import { access } from "node:fs/promises";
import { join } from "node:path";
import { readRpmInfo } from "@copr/rpm";
import type { User } from "@copr/store";
import type { WebDeps } from "../api/context.ts";
import { HttpError } from "../http/httpError.ts";
import type { BuildView } from "./buildView.ts";
import { checkChroots, maxSrpmBytes, planChroots, storeAndQueue } from "./submitBuild.ts";

export interface ResubmitRequest {
  /** The build to submit again. */
  id: number;
  /** Chroots to build; default: the original build's, or only its failed ones with `onlyFailed`. */
  chroots?: string[] | undefined;
  /** Only the chroots that failed or were canceled (Copr's "rebuild failed chroots"). */
  onlyFailed?: boolean | undefined;
  /** Build timeout, seconds; default: the original build's. */
  timeoutS?: number | undefined;
}

/**
 * A new build of an earlier build's source RPM, as Copr's Resubmit and
 * Koji's `resubmit`: the stored SRPM is read again (its arch rules decide
 * the skipped chroots) and the new build is stored and queued like an
 * upload. The owner or an admin may do it; chroots must still be in the
 * project.
 */
export async function resubmitBuild(deps: WebDeps, user: User, request: ResubmitRequest): Promise<BuildView> {
  const original = await deps.store.builds.getBuild(request.id);
  if (original === null) throw new HttpError(404, "NOT_FOUND", `no build ${request.id}`);
  if (original.owner !== user.name && !user.admin) {
    throw new HttpError(403, "FORBIDDEN", `build ${request.id} belongs to ${original.owner}; only the owner or an admin may resubmit it`);
  }
  const project = await deps.store.projects.getProject(original.owner, original.project);
  if (project === null) throw new HttpError(404, "NOT_FOUND", `project ${original.owner}/${original.project} no longer exists`);
  const tasks = await deps.store.builds.getTasks(original.taskIds);
  let chroots: string[];
  if (request.chroots !== undefined && request.chroots.length > 0) {
    chroots = [...new Set(request.chroots)];
  } else if (request.onlyFailed === true) {
    chroots = tasks.filter((t) => t.state === "failed" || t.state === "canceled").map((t) => t.chroot);
    if (chroots.length === 0) throw new HttpError(400, "NOTHING_FAILED", `build ${request.id} has no failed or canceled chroot to rebuild`);
  } else {
    chroots = tasks.map((t) => t.chroot);
  }
  checkChroots(project, chroots);
  const path = join(deps.srpmDir, original.srpm.file);
  try {
    await access(path);
  } catch (cause) {
    throw new HttpError(410, "SRPM_GONE", `the source RPM of build ${request.id} is no longer stored; upload it again with copr build`, { cause });
  }
  const info = await readRpmInfo(path, { maxFileBytes: maxSrpmBytes(deps) });
  const timeoutS = request.timeoutS ?? original.timeoutS;
  return await storeAndQueue(deps, {
    owner: project.owner,
    project: project.name,
    submittedBy: user.name,
    srpm: original.srpm,
    chroots: planChroots(info, chroots),
    ...(timeoutS === undefined ? {} : { timeoutS }),
    enableNet: original.enableNet ?? false,
  });
}
