import { Redis } from "ioredis";
import { describe, expect, test } from "vitest";
import { RedisSentinelGroup, until } from "../src/index.ts";

/** INFO replication of the server on `port`, as copr-admin. */
async function replicationInfo(group: RedisSentinelGroup, port: number): Promise<string> {
  const admin = new Redis({ host: "127.0.0.1", port, username: "copr-admin", password: group.passwords["copr-admin"], lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  admin.on("error", () => undefined);
  try {
    await admin.connect();
    return await admin.info("replication");
  } finally {
    admin.disconnect();
  }
}

/** The master's port as the Sentinel on `port` reports it. */
async function sentinelMasterPort(port: number, masterName: string): Promise<number | undefined> {
  const sentinel = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  sentinel.on("error", () => undefined);
  try {
    await sentinel.connect();
    const addr = await sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName);
    return Array.isArray(addr) && typeof addr[1] === "string" ? Number(addr[1]) : undefined;
  } finally {
    sentinel.disconnect();
  }
}

describe("Redis Sentinel group (infra/redis/sentinel.conf)", () => {
  test("a client that finds the master through Sentinel reads its keys and writes again after the master is killed", async () => {
    const group = await RedisSentinelGroup.start();
    // The same client all along: after the kill it asks the Sentinels for the master again by itself.
    const client = new Redis({ ...group.redisOptions("headhunter"), lazyConnect: true });
    // Its reconnects fail until Sentinel has promoted a replica; the commands below wait for that.
    client.on("error", () => undefined);
    try {
      await client.connect();
      const entries = Array.from({ length: 20 }, (_, i) => [`copr:sentinel-test:${i}`, `value-${i}`] as const);
      await client.mset(...entries.flat());
      // Acknowledged by a replica, so the promoted one (Sentinel picks the most up to date) has them.
      expect(await client.wait(1, 1_000)).toBeGreaterThanOrEqual(1);

      const oldPort = await group.killMaster();
      expect(group.running(oldPort)).toBe(false);
      // A cap for a busy machine, not a pace: a failover takes 2–4 s.
      const newPort = await group.waitForFailover(oldPort, 60_000);
      expect(newPort).not.toBe(oldPort);
      expect(group.redisPorts).toContain(newPort);

      expect(await client.mget(entries.map(([key]) => key))).toEqual(entries.map(([, value]) => value));
      await client.set("copr:sentinel-test:after", "written");
      expect(await client.get("copr:sentinel-test:after")).toBe("written");
      expect(await client.info("server")).toMatch(new RegExp(`^tcp_port:${newPort}\\r?$`, "m"));

      // The Sentinels that did not lead the failover learn of it from the leader's hello messages.
      await until(async () => (await Promise.all(group.sentinels.map(({ port }) => sentinelMasterPort(port, group.masterName))))
        .every((port) => port === newPort), 30_000, "every Sentinel to report the new master");
      expect(await group.masterPort()).toBe(newPort);
      expect(group.url("headhunter")).toBe(`redis://headhunter:${group.passwords.headhunter}@127.0.0.1:${newPort}`);

      // Sentinel re-points the other replica to the new master. A cap, not a pace: a full sync and
      // Sentinel's INFO rounds take 5–15 s on a quiet machine, far longer while a whole test run shares its two cores.
      await until(async () => {
        const info = await replicationInfo(group, newPort);
        return /^connected_slaves:1\r?$/m.test(info) && /^slave0:.*state=online/m.test(info);
      }, 120_000, "the other replica to replicate from the new master", 250);
      expect(await replicationInfo(group, newPort)).toMatch(/^role:master\r?$/m);
    } finally {
      client.disconnect();
      await group.close();
    }
    for (const port of [...group.redisPorts, ...group.sentinels.map((s) => s.port)]) expect(group.running(port)).toBe(false);
    await group.close();
  });
});
