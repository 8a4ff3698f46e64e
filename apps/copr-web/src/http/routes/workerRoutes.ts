import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyPluginCallback } from "fastify";
import type { WorkerRecord } from "@copr/store";
import { bearerToken, type WebDeps } from "../../api/context.ts";
import { receiveResult } from "../../builds/receiveResult.ts";
import { HttpError } from "../httpError.ts";
import { streamRawBodies } from "./rawBody.ts";

interface SrpmRoute { Params: { id: string } }
interface ResultRoute { Params: { task: string; attempt: string; name: string } }

/** Workers fetch a build's SRPM and upload the results of the task attempt they run. */
export function workerRoutes(deps: WebDeps): FastifyPluginCallback {
  async function worker(headers: Parameters<typeof bearerToken>[0], what: string): Promise<WorkerRecord> {
    const token = bearerToken(headers);
    const w = token === undefined ? null : await deps.store.workers.authenticateWorker(token);
    if (w === null) throw new HttpError(401, "UNAUTHORIZED", `${what} need a worker token`);
    return w;
  }
  return (app, _options, done) => {
    streamRawBodies(app);
    app.get<SrpmRoute>("/api/srpm/:id", {
      schema: { params: { type: "object", properties: { id: { type: "string", pattern: "^[0-9]{1,16}$" } }, required: ["id"] } },
    }, async (req, reply) => {
      await worker(req.headers, "SRPM downloads");
      const build = await deps.store.builds.getBuild(Number(req.params.id));
      if (build === null) throw new HttpError(404, "NOT_FOUND", `no build ${req.params.id}`);
      const path = join(deps.srpmDir, build.srpm.file);
      const { size } = await stat(path);
      return await reply.headers({
        "content-type": "application/x-rpm",
        "content-length": size,
        "x-checksum-sha256": build.srpm.sha256,
        "content-disposition": `attachment; filename="${build.srpm.name}-${build.srpm.version}-${build.srpm.release}.src.rpm"`,
      }).send(createReadStream(path));
    });
    app.put<ResultRoute>("/api/results/:task/:attempt/:name", {
      schema: {
        params: {
          type: "object",
          properties: { task: { type: "string", pattern: "^[0-9]+-[a-z0-9._-]+$" }, attempt: { type: "string", pattern: "^[0-9]{1,6}$" }, name: { type: "string", minLength: 1 } },
          required: ["task", "attempt", "name"],
        },
      },
    }, async (req, reply) => {
      const w = await worker(req.headers, "result uploads");
      const stored = await receiveResult(deps, w, req.raw, req.params.task, Number(req.params.attempt), req.params.name);
      return await reply.code(201).send({ sha256: stored.sha256, size: stored.size });
    });
    done();
  };
}
