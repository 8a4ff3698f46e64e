import { describe, expect, it } from "vitest";
import { chrootDir, readPrimary } from "@copr/repo";
import { RabbitMqInstance, RedisInstance, until } from "@copr/testkit";
import { helloSpec, startStack, waitForRelease } from "./stack.ts";


// The whole pipeline on a broker and a Redis of this test's own, which it
// kills (-9) and restarts while a build runs: the build is not lost, not
// run twice, and ends published; the stack then takes new builds.
describe("the pipeline survives the loss of its services", () => {
  it("finishes a running build across a broker kill -9 and a Redis kill -9, each restarted", async () => {
    const [broker, redis] = await Promise.all([RabbitMqInstance.start(), RedisInstance.start()]);
    try {
      // What the components logged is printed if this fails (startStack).
      await using s = await startStack({
        services: { amqpPort: broker.amqpPort, managementPort: broker.managementPort, passwords: { ...broker.passwords }, redisUrls: redis.urls },
      });
      await s.worker("fedoraproject:copr-worker:w1");
      // The build waits for release(): it is running through both outages, however long they take.
      const id = await s.submit(helloSpec(`echo started; ${waitForRelease}; echo done building`));
      const taskId = `${id}-fedora-40-x86_64`;
      await until(async () => (await s.web.store.logs.readLog(taskId)).some((e) => e.lines.includes("started")), 60_000, "the build to start");

      await broker.kill();
      await new Promise((r) => setTimeout(r, 500));
      await broker.restart();
      await redis.kill();
      await new Promise((r) => setTimeout(r, 500));
      await redis.restart();
      await s.release(taskId, 0);

      const [task] = await s.waitFinal(id, 120_000);
      expect(task).toMatchObject({ state: "succeeded", attempt: 0, hosts: ["fedoraproject:copr-worker:w1"] });
      const buildLog = (await s.web.store.logs.readLog(taskId)).flatMap((e) => e.lines);
      expect(buildLog).toContain("done building");
      expect(buildLog.filter((l) => l === "started")).toHaveLength(1);
      const dir = chrootDir(s.resultsDir, { owner: "alice", project: "hello", chroot: "fedora-40-x86_64" });
      await until(async () => (await readPrimary(dir).catch(() => [])).some((p) => p.name === "hello"), 60_000, "the repository");

      // Both services are back: a new build goes all the way through.
      const next = await s.submit(helloSpec());
      const [after] = await s.waitFinal(next, 60_000);
      expect(after?.state).toBe("succeeded");
    } finally {
      await Promise.allSettled([broker.close(), redis.close()]);
    }
  }, 400_000);
});
