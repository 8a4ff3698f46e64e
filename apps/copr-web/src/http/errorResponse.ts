import type { FastifyError, FastifyRequest } from "fastify";
import { HttpError } from "./httpError.ts";

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

