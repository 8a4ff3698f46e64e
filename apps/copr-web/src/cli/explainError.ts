import { TRPCClientError } from "@trpc/client";
import { CliError } from "./cliErrors.ts";

/** Socket error codes that mean "nothing answers at that address". */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/** Where the server is and which file holds the token, for messages. */
export interface ErrorContext {
  url: string;
  displayPath: string;
}

/**
 * Why a request never got an answer: the socket error code somewhere in
 * `error`'s cause chain (AggregateErrors included), or for another failure
 * of fetch itself (e.g. "bad port") the innermost message; else undefined.
 */
export function networkFailure(error: unknown, depth = 0, inFetch = false): string | undefined {
  if (depth > 8 || typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && UNREACHABLE_CODES.has(code)) return code;
  for (const inner of error instanceof AggregateError ? error.errors : []) {
    const found = networkFailure(inner, depth + 1, inFetch);
    if (found !== undefined) return found;
  }
  const fetchFailed = inFetch || (error instanceof TypeError && error.message === "fetch failed");
  const cause = (error as { cause?: unknown }).cause;
  const deeper = networkFailure(cause, depth + 1, fetchFailed);
  if (deeper !== undefined) return deeper;
  if (fetchFailed && !(cause instanceof Error) && error instanceof Error && error.message !== "fetch failed") return error.message;
  return undefined;
}

export function unreachable(ctx: ErrorContext, code: string, cause?: unknown): CliError {
  return new CliError("UNREACHABLE", `cannot reach copr-web at ${ctx.url}: is it running? (${code})`, { cause });
}

export function tokenRefused(ctx: ErrorContext, cause?: unknown): CliError {
  return new CliError("TOKEN_REFUSED", `the token in ${ctx.displayPath} was refused; ask an admin for a new one`, { cause });
}

/**
 * zod input errors arrive as a JSON array of issues in the message; show
 * their messages. Any other message is shown as the server sent it.
 */
function readableMessage(message: string): string {
  if (!message.startsWith("[")) return message;
  try {
    const issues = JSON.parse(message) as unknown;
    if (!Array.isArray(issues)) return message;
    const parts = issues.map((i: { path?: unknown; message?: unknown }) => {
      const path = Array.isArray(i.path) && i.path.length > 0 ? `${i.path.join(".")}: ` : "";
      return `${path}${typeof i.message === "string" ? i.message : JSON.stringify(i)}`;
    });
    return parts.length > 0 ? parts.join("; ") : message;
  } catch {
    return message;
  }
}

/** A server answer with an error status, from tRPC or from the plain-HTTP routes. */
export function serverError(ctx: ErrorContext, status: number | undefined, code: string | undefined, message: string, cause?: unknown): CliError {
  if (status === 401 || code === "UNAUTHORIZED") return tokenRefused(ctx, cause);
  const text = readableMessage(message);
  return new CliError("SERVER", code === undefined ? text : `${code}: ${text}`, { cause, ...(code === undefined ? {} : { serverCode: code }) });
}

/** Reads a plain-HTTP error answer `{ error: { code, message } }` into a CliError. */
export async function httpFailure(ctx: ErrorContext, res: Response): Promise<CliError> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.message === "string") {
      return serverError(ctx, res.status, typeof body.error.code === "string" ? body.error.code : undefined, body.error.message);
    }
  } catch {
    // not JSON: show the status and the start of the text
  }
  return serverError(ctx, res.status, undefined, `HTTP ${res.status} ${res.statusText}${text === "" ? "" : `: ${text.slice(0, 200)}`}`);
}

/** Converts whatever a command threw into one CliError, once, at the edge. */
export function toCliError(error: unknown, ctx: ErrorContext | undefined): CliError {
  if (error instanceof CliError) return error;
  const net = networkFailure(error);
  if (net !== undefined && ctx !== undefined) return unreachable(ctx, net, error);
  if (error instanceof TRPCClientError && ctx !== undefined) {
    const data = (error as TRPCClientError<never>).data as { code?: string; httpStatus?: number } | undefined;
    if (data !== undefined && data !== null) return serverError(ctx, data.httpStatus, data.code, error.message, error);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError("FAILED", message, { cause: error });
}
