import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { WebDeps } from "../api/context.ts";
import { errorResponse, type ErrorBody } from "./errorResponse.ts";
import { apiV3Routes, sendCoprError } from "../apiv3/apiV3Routes.ts";
import { trpcRoutes } from "./routes/trpcRoutes.ts";
import { metricsRoutes } from "./routes/metricsRoutes.ts";
import type { WebMetrics } from "../metrics/webMetrics.ts";
import { uploadRoutes } from "./routes/uploadRoutes.ts";
import { workerRoutes } from "./routes/workerRoutes.ts";
import { fileRoutes } from "./routes/fileRoutes.ts";
import { uiRoutes } from "./routes/uiRoutes.ts";

function sendError(reply: FastifyReply, status: number, code: string, message: string): void {
  // Do not read the rest of a refused upload.
  reply.request.raw.resume();
  const body: ErrorBody = { error: { code, message } };
  void reply.code(status).type("application/json; charset=utf-8").send(body);
}

/**
 * The copr-web HTTP server: tRPC under /trpc, uploads and downloads as plain
 * HTTP routes, published results and the web UI as static files. Not listening yet.
 */
export async function createWebServer(deps: WebDeps, metrics: WebMetrics): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    // close() ends open connections too (live pages keep SSE streams open).
    forceCloseConnections: true,
    // tRPC batches put several procedure names into one path segment. Copr's
    // clients ask for /api_3/project, upstream's routes end in "/": both work.
    routerOptions: { maxParamLength: 5000, ignoreTrailingSlash: true },
    frameworkErrors: (error, req, reply) => {
      const e = error.code === "FST_ERR_BAD_URL"
        ? { status: 400, code: "INVALID_URL", message: `malformed URL: ${JSON.stringify(req.url.slice(0, 200))}` }
        : errorResponse(error, req);
      if (/^\/api_3(\/|$|\?)/.test(req.url)) sendCoprError(reply, e.status, e.code, e.message);
      else sendError(reply, e.status, e.code, e.message);
    },
  });
  app.setErrorHandler((error, req, reply) => {
    const e = errorResponse(error, req);
    sendError(reply, e.status, e.code, e.message);
  });
  app.setNotFoundHandler((req, reply) => {
    sendError(reply, 404, "NOT_FOUND", `nothing at ${req.method} ${req.url.split("?")[0] ?? ""}`);
  });
  app.get("/healthz", () => ({ ok: true }));
  // Every answer counts, by route pattern (unmatched ones as "unmatched"), never by raw URL.
  app.addHook("onResponse", (req, reply, next) => {
    metrics.answered(req.routeOptions.url ?? "unmatched", req.method, reply.statusCode, reply.elapsedTime / 1000);
    next();
  });
  await app.register(metricsRoutes(metrics));
  await app.register(trpcRoutes(deps));
  await app.register(uploadRoutes(deps));
  await app.register(apiV3Routes(deps), { prefix: "/api_3" });
  await app.register(workerRoutes(deps));
  await app.register(fileRoutes(deps));
  await app.register(uiRoutes(deps));
  return app;
}
