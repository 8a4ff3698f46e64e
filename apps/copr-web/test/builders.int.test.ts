import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createTRPCClient, httpLink } from "@trpc/client";
import { Agent, BusConnection, parseBusConfig, silentLogger } from "@copr/bus";
import { busNamespace, redisNamespace, until } from "@copr/testkit";
import { loadWebConfig } from "../src/config.ts";
import { startWeb } from "../src/web.ts";
import type { AppRouter } from "../src/api/router.ts";

describe("builders", () => {
  it("lists registered workers with their live state from heartbeats, and sees one leave", async () => {
    const services = inject("services");
    await using ns = await busNamespace(services);
    await using rns = await redisNamespace(services);
    const web = await startWeb(loadWebConfig({
      COPR_WEB_PORT: "0", COPR_REDIS_URL: rns.urls["copr-web"], COPR_REDIS_PREFIX: rns.keyPrefix, COPR_WEB_DATA_DIR: await mkdtemp(join(tmpdir(), "copr-web-")),
      COPR_BUS_PORT: String(ns.amqpPort), COPR_BUS_VHOST: ns.vhost, COPR_BUS_PASSWORD: ns.credentials("copr-web").password,
    }));
    try {
      await web.store.workers.addWorker("fedoraproject:copr-worker:w1");
      await web.store.workers.addWorker("fedoraproject:copr-worker:w2");
      const { username, password } = await ns.agent("fedoraproject:copr-worker:w1");
      const bus = await BusConnection.open(parseBusConfig({ port: ns.amqpPort, vhost: ns.vhost, username, password }), { logger: silentLogger });
      const agent = await Agent.start(bus, {
        name: "fedoraproject:copr-worker:w1", epoch: 4, heartbeatIntervalMs: 1000,
        capabilities: { arches: ["x86_64", "aarch64"] }, slots: () => ({ total: 3, used: 1 }),
      });
      const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${web.url}/trpc` })] });
      await until(async () => (await client.builders.list.query()).some((b) => b.state === "online"), 30_000, "w1 online");
      const list = await client.builders.list.query();
      expect(list.find((b) => b.name.endsWith("w1"))).toMatchObject({ state: "online", arches: ["x86_64", "aarch64"], slots: { total: 3, used: 1 }, epoch: 4 });
      expect(list.find((b) => b.name.endsWith("w2"))).toMatchObject({ state: "lost", lastHeartbeatAgeMs: null });
      agent.close();
      await bus.close();
      await until(async () => (await client.builders.list.query()).every((b) => b.state === "lost"), 30_000, "w1 lost");
      // A lost worker still shows what it last said.
      expect((await client.builders.list.query()).find((b) => b.name.endsWith("w1"))).toMatchObject({ arches: ["x86_64", "aarch64"], epoch: 4 });
    } finally {
      await web.close();
    }
  });
});
