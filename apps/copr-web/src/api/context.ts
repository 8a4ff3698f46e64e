import type { IncomingHttpHeaders } from "node:http";
import type { AgentRegistry, BrokerAdmin } from "@copr/bus";
import type { Store, User } from "@copr/store";
import type { ControlQueue } from "@copr/queue";
import type { WebConfig } from "../config.ts";

/** What every request handler may use. */
export interface WebDeps {
  config: WebConfig;
  store: Store;
  queues: ControlQueue;
  /** Absolute directory of stored SRPMs. */
  srpmDir: string;
  /** Absolute root of published results. */
  resultsDir: string;
  /** Base URL users and workers reach this server at. */
  publicUrl: string;
  /** Live agents from heartbeats, when copr-web is on the bus. */
  agents: AgentRegistry | undefined;
  /** Creates and removes workers' broker users, when the broker administrator is configured. */
  brokerAdmin: BrokerAdmin | undefined;
}

export interface ApiContext extends WebDeps {
  user: User | null;
}

/** The bearer token of a request, if any. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const h = headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/** The user whose API token the request carries (`Authorization: Bearer`), or null. */
export async function userFromRequest(deps: WebDeps, headers: IncomingHttpHeaders): Promise<User | null> {
  const token = bearerToken(headers);
  return token === undefined ? null : await deps.store.accounts.authenticate(token);
}
