import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { CliError } from "./cliErrors.ts";
import type { ClientConfig } from "./client.ts";
import { httpFailure, type ErrorContext } from "./explainError.ts";
import type { BuildView } from "./format.ts";
import type { Io } from "./io.ts";
import { progressBar } from "./progress.ts";

export interface UploadRequest {
  owner: string;
  project: string;
  /** Path of the .src.rpm. */
  file: string;
  /** Subset of the project's chroots; empty = all of them. */
  chroots: readonly string[];
  /** Build timeout per chroot, seconds; default: the server's. */
  timeoutS?: number;
  /** Network for this build; default: the project's setting. */
  enableNet?: boolean;
  /** Run only when no ordinary build of the arch waits. */
  background?: boolean;
  /** Start after build N's batch succeeded. */
  afterBuildId?: number;
  /** Join build N's batch. */
  withBuildId?: number;
}

/**
 * Submits a build: streams the SRPM from disk as the body of
 * `POST /api/projects/OWNER/NAME/builds`, with a progress bar on a TTY.
 * Returns the server's view of the new build.
 */
export async function uploadSrpm(config: ClientConfig & ErrorContext, io: Io, request: UploadRequest): Promise<BuildView> {
  const size = await stat(request.file).then(
    (s) => {
      if (!s.isFile()) throw new CliError("USAGE", `${request.file} is not a file`);
      return s.size;
    },
    (error: unknown) => {
      throw new CliError("USAGE", `cannot read ${request.file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`, { cause: error });
    },
  );
  const params = new URLSearchParams(request.chroots.map((c): [string, string] => ["chroot", c]));
  if (request.timeoutS !== undefined) params.set("timeout", String(request.timeoutS));
  if (request.enableNet !== undefined) params.set("enable_net", request.enableNet ? "on" : "off");
  if (request.background === true) params.set("background", "on");
  if (request.afterBuildId !== undefined) params.set("after_build_id", String(request.afterBuildId));
  if (request.withBuildId !== undefined) params.set("with_build_id", String(request.withBuildId));
  const qs = params.toString();
  const url = `${config.url}/api/projects/${encodeURIComponent(request.owner)}/${encodeURIComponent(request.project)}/builds${qs === "" ? "" : `?${qs}`}`;
  const bar = progressBar(io, `Uploading ${basename(request.file)}`, size);
  const stream = createReadStream(request.file);
  async function* counted(): AsyncGenerator<Uint8Array> {
    let sent = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      sent += chunk.length;
      bar.update(sent);
      yield chunk;
    }
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${config.token}`, "content-type": "application/x-rpm", "content-length": String(size) },
      body: counted(),
      duplex: "half",
    });
  } finally {
    stream.destroy();
    bar.finish();
  }
  if (res.status !== 201) throw await httpFailure(config, res);
  return (await res.json()) as BuildView;
}
