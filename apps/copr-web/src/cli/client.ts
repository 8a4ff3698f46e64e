import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, type TRPCClient } from "@trpc/client";
import { EventSource } from "eventsource";
import type { AppRouter } from "../api/router.ts";
import type { CliConfig } from "./cliConfig.ts";

export type CoprClient = TRPCClient<AppRouter>;

/** What the client needs from the config. */
export type ClientConfig = Pick<CliConfig, "url" | "token">;

/**
 * A tRPC client for copr-web: queries and mutations over plain HTTP with the
 * bearer token, subscriptions over SSE (Node 20 has no global EventSource).
 * The SSE link reconnects by itself and resumes from the last event id.
 */
export function createCoprClient(config: ClientConfig): CoprClient {
  const url = `${config.url}/trpc`;
  const headers = { authorization: `Bearer ${config.token}` };
  // builds.watch is public: the SSE link needs no token.
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url,
          EventSource,
        }),
        false: httpLink({ url, headers }),
      }),
    ],
  });
}

/** A URL that shows a build (its JSON view) in a browser or with curl. */
export function buildUrl(config: Pick<CliConfig, "url">, id: number): string {
  return `${config.url}/trpc/builds.get?input=${encodeURIComponent(JSON.stringify({ id }))}`;
}
