import type { FastifyPluginAsync } from "fastify";
import { fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import { appRouter, type AppRouter } from "../../api/router.ts";
import { userFromRequest, type WebDeps } from "../../api/context.ts";

/** The web UI's and `copr`'s API: tRPC under /trpc (queries, mutations, SSE subscriptions). */
export function trpcRoutes(deps: WebDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(fastifyTRPCPlugin<AppRouter>, {
      prefix: "/trpc",
      trpcOptions: {
        router: appRouter,
        createContext: async ({ req }) => ({ ...deps, user: await userFromRequest(deps, req.headers) }),
      },
    });
  };
}
