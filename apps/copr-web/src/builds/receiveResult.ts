import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { resultDir } from "@copr/repo";
import { RpmError, nevra, readRpmInfo, sourceRpmName } from "@copr/rpm";
import type { SrpmInfo, WorkerRecord } from "@copr/store";
import type { WebDeps } from "../api/context.ts";
import { HttpError } from "../http/httpError.ts";

/** Result files a worker may upload: packages and logs, plain names only. */
const RESULT_FILE = /^[A-Za-z0-9][A-Za-z0-9._+~^-]*\.(rpm|log|log\.gz|json)$/;
/** Largest single result file, bytes (8 GiB). */
const MAX_RESULT_BYTES = 8 * 1024 ** 3;

/**
 * Refuses a package that this build's SRPM did not produce: a binary RPM
 * must name that SRPM in its SOURCERPM tag (rpmbuild and mock write it), a
 * source RPM must be that SRPM's name, epoch, version and release. A build
 * that drops some other RPM among its results cannot publish it.
 */
async function checkBuiltFrom(path: string, fileName: string, srpm: SrpmInfo): Promise<void> {
  let info;
  try {
    info = await readRpmInfo(path, { requireSource: false });
  } catch (error) {
    if (error instanceof RpmError) throw new HttpError(422, "NOT_RPM", `${fileName}: ${error.message}`);
    throw error;
  }
  const expected = sourceRpmName(srpm);
  if (info.isSource) {
    if (info.name !== srpm.name || info.epoch !== srpm.epoch || info.version !== srpm.version || info.release !== srpm.release) {
      throw new HttpError(422, "FOREIGN_PACKAGE", `${fileName} is the source package ${nevra(info)}, not this build's ${expected}`);
    }
  } else if (info.sourceRpm !== expected) {
    throw new HttpError(422, "FOREIGN_PACKAGE", `${fileName} was built from ${info.sourceRpm ?? "no source package"}, not from this build's ${expected}`);
  }
}

/**
 * Stores one result file of a task, sent by the worker that runs the task's
 * current attempt while it runs, after checking its sha256. Files land in the build's
 * result directory `<results>/<owner>/<project>/<chroot>/<id:08d>-<name>/`.
 */
export async function receiveResult(
  deps: WebDeps, worker: WorkerRecord, req: IncomingMessage, taskId: string, attempt: number, fileName: string,
): Promise<{ path: string; sha256: string; size: number }> {
  if (!RESULT_FILE.test(fileName)) throw new HttpError(400, "INVALID_NAME", `result file name "${fileName}" is not allowed`);
  const expected = String(req.headers["x-checksum-sha256"] ?? "");
  if (!/^[0-9a-f]{64}$/.test(expected)) throw new HttpError(400, "CHECKSUM_REQUIRED", "send the file's sha256 in X-Checksum-Sha256");
  const task = await deps.store.builds.getTask(taskId);
  if (task === null) throw new HttpError(404, "NOT_FOUND", `no task ${taskId}`);
  if (task.agent !== worker.name || task.attempt !== attempt) {
    throw new HttpError(409, "NOT_YOUR_TASK", `task ${taskId} attempt ${attempt} is not assigned to ${worker.name} (it is attempt ${task.attempt} on ${task.agent ?? "no worker"})`);
  }
  // Results arrive while the attempt runs (the worker reports its end after
  // uploading): nothing replaces a published result afterwards.
  if (task.state !== "running") {
    throw new HttpError(409, "NOT_RUNNING", `task ${taskId} attempt ${attempt} is ${task.state}; results are taken only while it runs`);
  }
  const build = await deps.store.builds.getBuild(task.buildId);
  if (build === null) throw new HttpError(404, "NOT_FOUND", `no build ${task.buildId}`);
  const dir = resultDir(deps.resultsDir, { owner: task.owner, project: task.project, chroot: task.chroot, buildId: build.id, packageName: build.srpm.name });
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.upload-${randomBytes(6).toString("hex")}`);
  const hash = createHash("sha256");
  let size = 0;
  try {
    await pipeline(
      req,
      new Transform({
        transform(chunk: Buffer, _e, done) {
          size += chunk.length;
          if (size > MAX_RESULT_BYTES) return done(new HttpError(413, "TOO_LARGE", `result files are limited to ${MAX_RESULT_BYTES} bytes`));
          hash.update(chunk);
          done(null, chunk);
        },
      }),
      createWriteStream(tmp, { flags: "wx", mode: 0o644 }),
    );
    const sha256 = hash.digest("hex");
    if (sha256 !== expected) throw new HttpError(422, "CHECKSUM_MISMATCH", `${fileName}: received sha256 ${sha256}, expected ${expected}; send it again`);
    if (fileName.endsWith(".rpm")) await checkBuiltFrom(tmp, fileName, build.srpm);
    const path = join(dir, fileName);
    const replaced = (await stat(path).catch(() => null))?.size ?? 0;
    await rename(tmp, path);
    await deps.store.projects.addDiskBytes(task.owner, task.project, size - replaced);
    return { path, sha256, size };
  } finally {
    await rm(tmp, { force: true });
  }
}
