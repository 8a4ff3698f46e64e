import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
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

/** A submission checked against the project, its chroots and batch, before any byte of the SRPM is read. */
export interface SubmitPlan {
  user: User;
  project: Project;
  /** The chroots to build (the request's, or all of the project's). */
  chroots: string[];
  batch: BatchPlan | undefined;
  request: SubmitRequest;
}

/** An SRPM received into a temporary file under the upload directory, hashed and size-checked. */
export interface ReceivedSrpm {
  tmp: string;
  sha256: string;
  /** bytes */
  size: number;
}

/**
 * Checks a submission before its SRPM is read: project (404), permission
 * (403), chroots (400 UNKNOWN_CHROOT) and batch options. Changes nothing.
 */
export async function planSubmit(deps: WebDeps, user: User, request: SubmitRequest): Promise<SubmitPlan> {
  if (!isSafeOwner(request.owner) || !isSafeProject(request.project)) {
    throw new HttpError(400, "INVALID_NAME", `"${request.owner}/${request.project}" is not a valid project name`);
  }
  const project = await deps.store.projects.getProject(request.owner, request.project);
  if (project === null) throw new HttpError(404, "NOT_FOUND", `no project ${request.owner}/${request.project}; create it with \`copr create ${request.project} --chroot …\``);
  if (project.owner !== user.name && !user.admin) {
    throw new HttpError(403, "FORBIDDEN", `project ${project.owner}/${project.name} belongs to ${project.owner}; only its owner or an admin may build in it`);
  }
  if (project.deleting === true) throw new HttpError(409, "PROJECT_DELETING", `project ${project.owner}/${project.name} is being deleted`);
  const chroots = request.chroots.length === 0 ? project.chroots : [...new Set(request.chroots)];
  checkChroots(project, chroots);
  const batch = await planBatch(deps, project.owner, request);
  return { user, project, chroots, batch, request };
}

/** The largest SRPM this server takes, bytes. */
export function maxSrpmBytes(deps: WebDeps): number {
  return deps.config.maxSrpmMiB * 1024 * 1024;
}

/** Refuses (413 TOO_LARGE) an SRPM whose announced size is over the limit, before reading it. */
export function checkDeclaredSize(deps: WebDeps, declared: number): void {
  if (declared > maxSrpmBytes(deps)) throw new HttpError(413, "TOO_LARGE", `the SRPM is ${declared} bytes; this server accepts at most ${deps.config.maxSrpmMiB} MiB`);
}

/**
 * Streams an SRPM into a temporary file, hashing it and stopping at the size
 * limit (413 TOO_LARGE). On any failure the file is gone.
 */
export async function receiveSrpm(deps: WebDeps, source: Readable): Promise<ReceivedSrpm> {
  await mkdir(deps.srpmDir, { recursive: true });
  const tmp = join(deps.srpmDir, `.upload-${randomBytes(8).toString("hex")}`);
  try {
    const { sha256, size } = await receive(source, tmp, maxSrpmBytes(deps));
    if (size === 0) throw new HttpError(400, "EMPTY", "the upload is empty; send the .src.rpm file");
    return { tmp, sha256, size };
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Removes a received SRPM that will not become a build. */
export async function discardSrpm(received: ReceivedSrpm): Promise<void> {
  await rm(received.tmp, { force: true });
}

/**
 * Checks that a received file is a real source RPM, keeps it under its hash,
 * stores the build and queues its tasks — and only then answers "accepted".
 * A refusal leaves nothing behind.
 */
export async function acceptSrpm(deps: WebDeps, plan: SubmitPlan, received: ReceivedSrpm): Promise<BuildView> {
  let kept = false;
  try {
    let info: RpmInfo;
    try {
      info = await readRpmInfo(received.tmp, { maxFileBytes: maxSrpmBytes(deps) });
    } catch (error) {
      if (error instanceof RpmError) throw new HttpError(RPM_ERROR_HTTP_STATUS[error.code], error.code, error.message, { cause: error });
      throw error;
    }
    const file = `${received.sha256}.src.rpm`;
    await rename(received.tmp, join(deps.srpmDir, file));
    kept = true;
    const { request, project } = plan;
    return await storeAndQueue(deps, {
      owner: project.owner,
      project: project.name,
      submittedBy: plan.user.name,
      srpm: { name: info.name, epoch: info.epoch, version: info.version, release: info.release, sha256: received.sha256, size: received.size, file },
      chroots: planChroots(info, plan.chroots),
      ...(request.timeoutS === undefined ? {} : { timeoutS: request.timeoutS }),
      enableNet: request.enableNet ?? project.enableNet ?? false,
      ...(request.background === true ? { background: true } : {}),
      ...(plan.batch === undefined ? {} : { batch: plan.batch }),
    });
  } finally {
    if (!kept) await discardSrpm(received);
  }
}

/**
 * `copr build`'s upload: checks everything it can first, then streams the
 * request body (the SRPM) to disk and accepts it.
 */
export async function submitBuild(deps: WebDeps, user: User, req: IncomingMessage, request: SubmitRequest): Promise<BuildView> {
  const plan = await planSubmit(deps, user, request);
  checkDeclaredSize(deps, Number(req.headers["content-length"] ?? "0"));
  return await acceptSrpm(deps, plan, await receiveSrpm(deps, req));
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

async function receive(source: Readable, path: string, maxBytes: number): Promise<{ sha256: string; size: number }> {
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
  await pipeline(source, meter, createWriteStream(path, { flags: "wx", mode: 0o640 }));
  return { sha256: hash.digest("hex"), size };
}
