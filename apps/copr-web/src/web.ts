import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { ControlQueue } from "@copr/queue";
import { connectRedis, Store } from "@copr/store";
import { redisTarget } from "@copr/config";
import { BusConnection, Console, RabbitMq3Admin, defaultLogger, parseBusConfig } from "@copr/bus";
import type { WebConfig } from "./config.ts";
import { createWebServer } from "./http/server.ts";
import { Pruner } from "./retention/pruner.ts";
import { WebMetrics } from "./metrics/webMetrics.ts";
import { rememberLostAgents } from "./builders/buildersList.ts";

/** A running copr-web: HTTP server, store and queues. `close()` is safe twice. */
export interface CoprWeb {
  url: string;
  store: Store;
  /** Auto-prune; `runOnce(now)` runs a pass at once. */
  pruner: Pruner;
  close(): Promise<void>;
}

export async function startWeb(config: WebConfig): Promise<CoprWeb> {
  const dataDir = resolve(config.dataDir);
  const srpmDir = join(dataDir, "srpms");
  const resultsDir = join(dataDir, "results");
  await mkdir(srpmDir, { recursive: true });
  await mkdir(resultsDir, { recursive: true });
  const store = new Store({ ...redisTarget(config), prefix: config.redisPrefix });
  const queueRedis = connectRedis(redisTarget(config), { maxRetriesPerRequest: null });
  queueRedis.on("error", () => undefined);
  const queues = new ControlQueue({ connection: queueRedis, prefix: store.keys.bullPrefix() });
  // On the bus (optional) only to follow agents' heartbeats for the builders page.
  let bus: BusConnection | undefined;
  let console: Console | undefined;
  if (config.busPassword !== undefined) {
    bus = await BusConnection.open(parseBusConfig({
      host: config.busHost, port: config.busPort, ...(config.busNodes === undefined ? {} : { nodes: config.busNodes }), vhost: config.busVhost, username: config.busUser, password: config.busPassword, domainPrefix: config.domainPrefix,
    }), { logger: defaultLogger("copr-web") });
    // Only a heartbeat a worker sent as its own broker user counts on the builders page.
    console = await Console.open(bus, { agentIdentity: "broker-user" });
    rememberLostAgents(console.agents);
    void console.locate(1000).catch(() => undefined);
  }
  const brokerAdmin = config.brokerAdminPassword === undefined || config.busManagementUrl === undefined ? undefined : new RabbitMq3Admin({
    managementUrl: config.busManagementUrl, username: config.brokerAdminUser, password: config.brokerAdminPassword,
    vhost: config.busVhost, domainPrefix: config.domainPrefix,
    // On a cluster, a worker's request queue must outlive the node it was declared on.
    quorumQueues: (config.busNodes?.length ?? 1) > 1,
  });
  const deps = { config, store, queues, srpmDir, resultsDir, publicUrl: config.publicUrl ?? "", agents: console?.agents, brokerAdmin };
  const metrics = new WebMetrics();
  const server = await createWebServer(deps, metrics);
  const pruner = new Pruner(deps, { keepDays: config.pruneDays, intervalMs: config.pruneIntervalS * 1000 });
  await server.listen({ port: config.port, host: config.host });
  const port = (server.server.address() as AddressInfo).port;
  const url = config.publicUrl ?? `http://${config.host}:${port}`;
  deps.publicUrl = url;
  let closing: Promise<void> | undefined;
  return {
    url,
    store,
    pruner,
    close() {
      closing ??= (async () => {
        await server.close();
        await pruner.close();
        await queues.close();
        queueRedis.disconnect();
        console?.close();
        await bus?.close();
        await store.close();
      })();
      return closing;
    },
  };
}
