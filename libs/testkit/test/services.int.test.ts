import { Redis } from "ioredis";
import { describe, expect, inject, test } from "vitest";
import { busNamespace, ManagementClient, RabbitMqInstance, RedisInstance, redisNamespace, until } from "../src/index.ts";

const services = inject("services");

/** Resolves once Redis has written its AOF buffer to the file (it may postpone that while an fsync runs). */
async function aofWritten(redis: Redis): Promise<void> {
  await until(async () => /^aof_buffer_length:0\r?$/m.test(await redis.info("persistence")), 60_000, "Redis to write its AOF buffer");
}

describe("testkit services", () => {
  test("a private Redis keeps a namespaced key across kill -9 and restart (AOF)", async () => {
    const server = await RedisInstance.start();
    try {
      {
        await using ns = await redisNamespace({ redisUrls: server.urls });
        expect(ns.keyPrefix).toMatch(/^copr:t-[0-9a-f]+:$/);
        const before = new Redis(ns.urls.headhunter, { keyPrefix: ns.keyPrefix, lazyConnect: true });
        await before.connect();
        // In a transaction, as the store writes: Redis replays it from the AOF with the default user's permissions.
        await before.multi().set("build:42", "succeeded").hset("task:42", "state", "running").exec();
        await aofWritten(before);
        before.disconnect();

        await server.kill();
        expect(server.running).toBe(false);
        await server.restart();
        expect(server.running).toBe(true);

        const after = new Redis(server.url("copr-admin"), { lazyConnect: true });
        try {
          await after.connect();
          expect(await after.get(`${ns.keyPrefix}build:42`)).toBe("succeeded");
          expect(await after.hget(`${ns.keyPrefix}task:42`, "state")).toBe("running");
          await ns[Symbol.asyncDispose]();
          expect(await after.keys(`${ns.keyPrefix}*`)).toEqual([]);
        } finally {
          after.disconnect();
        }
      }
    } finally {
      await server.close();
    }
    expect(server.running).toBe(false);
  });

  test("bus namespaces are distinct vhosts that disposal removes", async () => {
    const management = new ManagementClient({
      port: services.managementPort, username: "copr-admin", password: services.passwords["copr-admin"],
    });
    let first: string;
    let second: string;
    {
      await using a = await busNamespace(services);
      await using b = await busNamespace(services);
      first = a.vhost;
      second = b.vhost;
      expect(a.vhost).toMatch(/^t-[0-9a-f]+$/);
      expect(a.vhost).not.toBe(b.vhost);
      expect(a.credentials("headhunter")).toEqual({ username: "headhunter", password: services.passwords.headhunter });
      expect(await management.vhostExists(a.vhost)).toBe(true);
      expect(await management.vhostExists(b.vhost)).toBe(true);
      // Set up like the production vhost: permissions and the QMF exchanges.
      expect((await management.request("GET", `/api/permissions/${a.vhost}/headhunter`)).status).toBe(200);
      expect((await management.request("GET", `/api/exchanges/${a.vhost}/qmf.request`)).status).toBe(200);
    }
    expect(await management.vhostExists(first)).toBe(false);
    expect(await management.vhostExists(second)).toBe(false);
  });

  test("a private RabbitMQ node serves the management API again after kill -9 and restart", async () => {
    const broker = await RabbitMqInstance.start();
    try {
      await broker.createVhost("survivor");
      await broker.kill();
      expect(broker.running).toBe(false);
      await broker.restart();
      expect(broker.running).toBe(true);
      const overview = await broker.management("GET", "/api/overview");
      expect(overview.status).toBe(200);
      expect(await broker.managementClient().vhostExists("survivor")).toBe(true);
    } finally {
      await broker.close();
    }
    expect(broker.running).toBe(false);
  }, 120_000);
});
