import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { archVerdict, readRpmInfo, RpmError, RPM_ERROR_HTTP_STATUS, type RpmInfo } from "@copr/rpm";
import { chrootArch, isSafeOwner, isSafeProject } from "@copr/domain";
import { StoreError, type BatchPlan, type NewBuild, type Project, type User } from "@copr/store";
import type { WebDeps } from "../api/context.ts";
import { HttpError } from "../http/httpError.ts";
import { buildView, type BuildView } from "./buildView.ts";

export interface SubmitRequest {
  owner: string;
  project: string;
  /** Subset of the project's chroots; empty = all of them. */
  chroots: string[];
  /** Build timeout per chroot, seconds; default: the domain's (5 h). */
  timeoutS?: number;
  /** Network for this build; default: the project's setting. */
  enableNet?: boolean;
  /** Run only when no ordinary task of the arch could start. */
  background?: boolean;
  /** Start only after build N's batch succeeded (Copr's --after-build-id). */
  afterBuildId?: number;
  /** Join build N's batch (Copr's --with-build-id). */
  withBuildId?: number;
}

/**
 * Streams an uploaded SRPM to disk (bounded, hashed), checks it is a real
 * source RPM, stores the build and queues its tasks — and only then answers
 * "accepted". Any refusal leaves nothing behind.
 */
export async function submitBuild(deps: WebDeps, user: User, req: IncomingMessage, request: SubmitRequest): Promise<BuildView> {
  if (!isSafeOwner(request.owner) || !isSafeProject(request.project)) {
    throw new HttpError(400, "INVALID_NAME", `"${request.owner}/${request.project}" is not a valid project name`);
  }
  const project = await deps.store.projects.getProject(request.owner, request.project);
  if (project === null) throw new HttpError(404, "NOT_FOUND", `no project ${request.owner}/${request.project}; create it with \`copr create ${request.project} --chroot …\``);
  if (project.owner !== user.name && !user.admin) {
    throw new HttpError(403, "FORBIDDEN", `project ${project.owner}/${project.name} belongs to ${project.owner}`);
  }
  const chroots = request.chroots.length === 0 ? project.chroots : request.chroots;
  checkChroots(project, chroots);
  const batch = await planBatch(deps, project.owner, request);

  const maxBytes = deps.config.maxSrpmMiB * 1024 * 1024;
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes) throw new HttpError(413, "TOO_LARGE", `the SRPM is ${declared} bytes; this server accepts at most ${deps.config.maxSrpmMiB} MiB`);

  await mkdir(deps.srpmDir, { recursive: true });
  const tmp = join(deps.srpmDir, `.upload-${randomBytes(8).toString("hex")}`);
  let kept = false;
  try {
    const { sha256, size } = await receive(req, tmp, maxBytes);
    if (size === 0) throw new HttpError(400, "EMPTY", "the upload is empty; send the .src.rpm file as the request body");
    let info: RpmInfo;
    try {
      info = await readRpmInfo(tmp, { maxFileBytes: maxBytes });
    } catch (error) {
      if (error instanceof RpmError) throw new HttpError(RPM_ERROR_HTTP_STATUS[error.code], error.code, error.message, { cause: error });
      throw error;
    }
    const file = `${sha256}.src.rpm`;
    await rename(tmp, join(deps.srpmDir, file));
    kept = true;

    return await storeAndQueue(deps, {
      owner: project.owner,
      project: project.name,
      submittedBy: user.name,
      srpm: { name: info.name, epoch: info.epoch, version: info.version, release: info.release, sha256, size, file },
      chroots: planChroots(info, chroots),
      ...(request.timeoutS === undefined ? {} : { timeoutS: request.timeoutS }),
      enableNet: request.enableNet ?? project.enableNet ?? false,
      ...(request.background === true ? { background: true } : {}),
      ...(batch === undefined ? {} : { batch }),
    });
  } finally {
    if (!kept) await rm(tmp, { force: true });
  }
}

/** Checks the batch options before anything is received (404 / 400 BATCH_REFUSED). */
export async function planBatch(deps: WebDeps, owner: string, request: Pick<SubmitRequest, "afterBuildId" | "withBuildId">): Promise<BatchPlan | undefined> {
  try {
    return await deps.store.batches.plan(owner, { afterBuildId: request.afterBuildId, withBuildId: request.withBuildId });
  } catch (error) {
    if (error instanceof StoreError) throw new HttpError(error.code === "NOT_FOUND" ? 404 : 400, error.code, error.message, { cause: error });
    throw error;
  }
}

/** Refuses (400 UNKNOWN_CHROOT) chroots the project does not have. */
export function checkChroots(project: Project, chroots: readonly string[]): void {
  const unknown = chroots.filter((c) => !project.chroots.includes(c));
  if (unknown.length > 0) {
    throw new HttpError(400, "UNKNOWN_CHROOT", `project ${project.owner}/${project.name} has no chroot ${unknown.join(", ")}; it has: ${project.chroots.join(", ")}`);
  }
}

/** One entry per chroot: built, or skipped with the spec's arch rule as the reason. */
export function planChroots(info: Pick<RpmInfo, "excludeArch" | "exclusiveArch">, chroots: readonly string[]): NewBuild["chroots"] {
  return chroots.map((chroot) => {
    const verdict = archVerdict(info, chrootArch(chroot));
    return verdict.build ? { chroot } : { chroot, skip: verdict.reason };
  });
}

/** Stores a build and queues its pending tasks (one transaction); returns its view. */
export async function storeAndQueue(deps: WebDeps, input: NewBuild): Promise<BuildView> {
  // Invariant: stored (AOF) and queued before the client hears "accepted".
  const { build } = await deps.store.builds.createBuild(input);
  const view = await buildView(deps.store, build.id);
  if (view === null) throw new Error(`build ${build.id} vanished`);
  return view;
}

async function receive(req: IncomingMessage, path: string, maxBytes: number): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) {
        done(new HttpError(413, "TOO_LARGE", `the SRPM is larger than this server's limit of ${maxBytes / 1024 / 1024} MiB`));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(req, meter, createWriteStream(path, { flags: "wx", mode: 0o640 }));
  return { sha256: hash.digest("hex"), size };
}
