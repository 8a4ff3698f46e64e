import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { WebDeps } from "../api/context.ts";
import { errorResponse } from "../http/errorResponse.ts";
import { HttpError } from "../http/httpError.ts";
import { buildReadRoutes } from "./buildReadRoutes.ts";
import { buildWriteRoutes } from "./buildWriteRoutes.ts";
import { buildUploadRoute } from "./buildUploadRoute.ts";
import { projectRoutes } from "./projectRoutes.ts";

/** Copr's error answer: `{"error": text}` (copr-cli reads only that), plus this server's code. */
export function sendCoprError(reply: FastifyReply, status: number, code: string, message: string): void {
  // Do not read the rest of a refused upload.
  reply.request.raw.resume();
  void reply.code(status).type("application/json; charset=utf-8").send({ error: message, code });
}

/**
 * Copr's API v3 under /api_3/, the part copr-cli and python-copr use (see
 * docs/api-v3.md): JSON in and out, never HTML, errors as `{"error": …}`.
 * Reads are anonymous; writes take Basic `login:token`.
 */
export function apiV3Routes(deps: WebDeps): FastifyPluginAsync {
  return async (app) => {
    app.setErrorHandler((error, req: FastifyRequest, reply) => {
      const e = errorResponse(error, req);
      sendCoprError(reply, e.status, e.code, e.message);
    });
    // python-copr sends `Content-Type: application/json` with no body on some calls (cancel): that is {}.
    app.removeContentTypeParser("application/json");
    app.addContentTypeParser("application/json", { parseAs: "string", bodyLimit: 1024 * 1024 }, (_req, body, done) => {
      const text = typeof body === "string" ? body : body.toString("utf8");
      if (text.trim() === "") {
        done(null, {});
        return;
      }
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
        done(null, parsed);
      } catch (cause) {
        done(new HttpError(400, "INVALID_JSON", "the request body must be a JSON object", { cause }), undefined);
      }
    });
    app.get("/", () => ({ version: 3 }));
    await app.register(projectRoutes(deps));
    await app.register(buildReadRoutes(deps));
    await app.register(buildWriteRoutes(deps));
    await app.register(buildUploadRoute(deps));
    // Everything else under /api_3/ is a JSON 404, whatever the method (never the web UI).
    app.all("/*", (req) => {
      throw new HttpError(404, "NOT_FOUND", `this server has no API v3 call ${req.method} ${req.url.split("?")[0] ?? ""}`);
    });
  };
}
