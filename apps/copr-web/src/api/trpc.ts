import { initTRPC, TRPCError } from "@trpc/server";
import { StoreError } from "@copr/store";
import { HttpError } from "../http/httpError.ts";
import type { ApiContext } from "./context.ts";

const t = initTRPC.context<ApiContext>().create({
  // Error bodies carry a code and a message; a stack with server paths only
  // with COPR_WEB_DEBUG=1 (development).
  errorFormatter: ({ shape, ctx }) => {
    if (ctx?.config.debug === true) return shape;
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, data };
  },
});

const HTTP_TO_TRPC: Readonly<Record<number, TRPCError["code"]>> = { 400: "BAD_REQUEST", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 410: "NOT_FOUND", 413: "PAYLOAD_TOO_LARGE" };

/** Store errors and the HTTP handlers' errors (shared code) become tRPC errors once, here at the edge. */
const storeErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof StoreError) {
    const e = result.error.cause;
    const code = e.code === "EXISTS" ? "CONFLICT" : e.code === "NOT_FOUND" ? "NOT_FOUND" : "BAD_REQUEST";
    throw new TRPCError({ code, message: e.message, cause: e });
  }
  if (!result.ok && result.error.cause instanceof HttpError) {
    const e = result.error.cause;
    throw new TRPCError({ code: HTTP_TO_TRPC[e.status] ?? "BAD_REQUEST", message: e.message, cause: e });
  }
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(storeErrors);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.user === null) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "this needs an API token: create one with `copr-web admin create-user NAME` and put it in ~/.config/copr" });
  }
  return next({ ctx: { ...ctx, user: ctx.user } });
});

export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!ctx.user.admin) throw new TRPCError({ code: "FORBIDDEN", message: `${ctx.user.name} is not an admin` });
  return next();
});
