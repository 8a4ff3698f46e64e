import type { FastifyPluginCallback } from "fastify";
import { parseBuildTimeout } from "@copr/domain";
import { userFromRequest, type WebDeps } from "../../api/context.ts";
import { submitBuild } from "../../builds/submitBuild.ts";
import { HttpError } from "../httpError.ts";
import { streamRawBodies } from "./rawBody.ts";

const BUILD_ID = "^[1-9][0-9]{0,15}$";

const uploadSchema = {
  params: {
    type: "object",
    properties: { owner: { type: "string", minLength: 1 }, project: { type: "string", minLength: 1 } },
    required: ["owner", "project"],
  },
  querystring: {
    type: "object",
    additionalProperties: false,
    properties: {
      chroot: { type: "array", items: { type: "string", minLength: 1 } },
      timeout: { type: "string" },
      enable_net: { type: "string", enum: ["on", "off"] },
      background: { type: "string", enum: ["on", "off"] },
      after_build_id: { type: "string", pattern: BUILD_ID },
      with_build_id: { type: "string", pattern: BUILD_ID },
    },
  },
} as const;

interface UploadRoute {
  Params: { owner: string; project: string };
  Querystring: { chroot?: string[]; timeout?: string; enable_net?: "on" | "off"; background?: "on" | "off"; after_build_id?: string; with_build_id?: string };
}

/** `copr build`: the SRPM is the request body, streamed to disk; options are query parameters. */
export function uploadRoutes(deps: WebDeps): FastifyPluginCallback {
  return (app, _options, done) => {
    streamRawBodies(app);
    app.post<UploadRoute>("/api/projects/:owner/:project/builds", { schema: uploadSchema }, async (req, reply) => {
      const user = await userFromRequest(deps, req.headers);
      if (user === null) throw new HttpError(401, "UNAUTHORIZED", "uploading needs an API token (Authorization: Bearer …)");
      const q = req.query;
      const timeout = q.timeout === undefined ? undefined : parseBuildTimeout(q.timeout);
      if (timeout?.ok === false) throw new HttpError(400, "INVALID_TIMEOUT", timeout.message);
      const view = await submitBuild(deps, user, req.raw, {
        owner: req.params.owner,
        project: req.params.project,
        chroots: q.chroot ?? [],
        ...(timeout?.ok === true ? { timeoutS: timeout.seconds } : {}),
        ...(q.enable_net === undefined ? {} : { enableNet: q.enable_net === "on" }),
        ...(q.background === undefined ? {} : { background: q.background === "on" }),
        ...(q.after_build_id === undefined ? {} : { afterBuildId: Number(q.after_build_id) }),
        ...(q.with_build_id === undefined ? {} : { withBuildId: Number(q.with_build_id) }),
      });
      return await reply.code(201).send(view);
    });
    done();
  };
}
