import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, type TRPCClient } from "@trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "../../src/api/router.ts";

/** The typed copr-web API client the pages use. */
export type Api = TRPCClient<AppRouter>;

type Outputs = inferRouterOutputs<AppRouter>;
export type BuildView = Outputs["builds"]["get"];
export type Build = BuildView["build"];
export type Task = BuildView["tasks"][number];
export type TaskState = Task["state"];
export type Project = Outputs["projects"]["get"];
export type Builder = Outputs["builders"]["list"][number];
export type StatusSummary = Outputs["status"]["summary"];
export type Whoami = Outputs["whoami"];

/**
 * A client for the server this page came from. Queries and mutations send
 * the API token (when there is one) as `Authorization: Bearer`; subscriptions
 * use the browser's EventSource (SSE), which reconnects with the last event id.
 */
export function createApi(token: () => string | null): Api {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url: "/trpc" }),
        false: httpLink({
          url: "/trpc",
          headers: () => {
            const t = token();
            return t === null ? {} : { authorization: `Bearer ${t}` };
          },
        }),
      }),
    ],
  });
}

/** A readable message from whatever a call threw. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
