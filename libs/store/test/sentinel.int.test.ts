import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { RedisSentinelGroup, until } from "@copr/testkit";
import { Store } from "@copr/store";
import { srpm } from "./fixtures.ts";

describe("the store on a Redis Sentinel group", () => {
  it("waits until every replica holds an accepted build and a task move, and finds both on the promoted replica after the master is killed", async () => {
    const group = await RedisSentinelGroup.start();
    const store = new Store({
      url: `redis://headhunter:${group.passwords.headhunter}@127.0.0.1:1`,
      sentinel: { nodes: group.sentinels, masterName: group.masterName },
    });
    try {
      const { build, tasks } = await store.builds.createBuild({ owner: "alice", project: "hello", submittedBy: "alice", srpm, chroots: [{ chroot: "fedora-40-x86_64" }] });
      const id = tasks[0]?.id ?? "";
      await store.builds.transitionTask(id, "starting", { agent: "w1", hosts: ["w1"] });
      expect(store.replication.confirmed).toBe(2);
      expect(store.replication.unconfirmed).toBe(0);
      expect(await store.replication.replicas()).toBe(2);

      // Both replicas have both writes the moment the calls returned (no waiting here).
      const master = await group.masterPort();
      for (const port of group.redisPorts.filter((p) => p !== master)) {
        const replica = new Redis({ port, host: "127.0.0.1", username: "copr-admin", password: group.passwords["copr-admin"], lazyConnect: true });
        await replica.connect();
        expect(await replica.hget(`copr:task:${id}`, "state")).toBe('"starting"');
        expect(await replica.exists(`copr:build:${build.id}`)).toBe(1);
        replica.disconnect();
      }

      await group.killMaster();
      await group.waitForFailover(master, 30_000);
      // The same client finds the promoted replica through Sentinel; the accepted build and its move are there.
      await until(async () => (await store.builds.getTask(id).catch(() => null))?.state === "starting", 30_000, "the task read from the new master");
      expect(await store.builds.getBuild(build.id)).toMatchObject({ id: build.id, owner: "alice" });
      await store.builds.transitionTask(id, "running", {});
      expect((await store.builds.getTask(id))?.state).toBe("running");
    } finally {
      await store.close();
      await group.close();
    }
  }, 120_000);
});
