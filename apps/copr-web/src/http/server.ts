import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { WebDeps } from "../api/context.ts";
import { HttpError } from "./httpError.ts";
import { trpcRoutes } from "./routes/trpcRoutes.ts";
import { uploadRoutes } from "./routes/uploadRoutes.ts";
import { workerRoutes } from "./routes/workerRoutes.ts";
import { fileRoutes } from "./routes/fileRoutes.ts";
import { uiRoutes } from "./routes/uiRoutes.ts";

/** What an error response says: `{ error: { code, message } }`. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** A thrown error as status and body; anything unexpected is logged and answered as 500. */
export function errorResponse(error: unknown, req: FastifyRequest): { status: number; code: string; message: string } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  const fe = error as Partial<FastifyError> | null;
  if (fe !== null && typeof fe === "object" && Array.isArray(fe.validation)) {
    return { status: 400, code: "INVALID_ARGUMENT", message: `${fe.validationContext ?? "request"} ${fe.message ?? "is not valid"}` };
  }
  if (fe !== null && typeof fe === "object" && typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, code: (fe.code ?? "BAD_REQUEST").replace(/^FST_ERR_(CTP_)?/, ""), message: fe.message ?? "bad request" };
  }
  process.stderr.write(`copr-web: ${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}\n`);
  return { status: 500, code: "INTERNAL", message: "internal error; see the server log" };
}

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
export async function createWebServer(deps: WebDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    // tRPC batches put several procedure names into one path segment.
    routerOptions: { maxParamLength: 5000 },
    // close() ends open connections too (live pages keep SSE streams open).
    forceCloseConnections: true,
    frameworkErrors: (error, req, reply) => {
      if (error.code === "FST_ERR_BAD_URL") {
        sendError(reply, 400, "INVALID_URL", `malformed URL: ${JSON.stringify(req.url.slice(0, 200))}`);
        return;
      }
      const e = errorResponse(error, req);
      sendError(reply, e.status, e.code, e.message);
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
  await app.register(trpcRoutes(deps));
  await app.register(uploadRoutes(deps));
  await app.register(workerRoutes(deps));
  await app.register(fileRoutes(deps));
  await app.register(uiRoutes(deps));
  return app;
}
