import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from "vitest";
import { FailoverStack } from "./cluster/failoverStack.ts";

const ARTIFACTS = join(import.meta.dirname, "..", ".tmp", "artifacts");

/**
 * Three nodes: a RabbitMQ cluster, a Redis Sentinel group, two Headhunter
 * processes. Each test kills one member with kill -9 while builds run and
 * submissions go on; every accepted build must end once, and none may be
 * handed to a builder twice.
 */
describe("failover on three nodes", () => {
  let stack: FailoverStack;

  beforeAll(async () => {
    stack = await FailoverStack.start();
  }, 240_000);

  beforeEach(() => {
    onTestFailed(async () => {
      const file = join(ARTIFACTS, "failover-headhunters.log");
      await mkdir(ARTIFACTS, { recursive: true });
      await writeFile(file, await stack.headhunterLog());
      globalThis.console.log(`builds lost or dispatched twice:\n${await stack.explain()}\nthe Headhunters' log: ${file}`);
    });
  });

  afterAll(async () => {
    await stack.close();
  }, 120_000);

  const check = async (): Promise<void> => {
    const r = await stack.settle({ headhunter: 0, redis: 0, broker_node: 0 }, 120_000);
    expect({ lost: r.lost, dispatched_twice: r.dispatched_twice, ended_once: r.ended_once }).toEqual({ lost: 0, dispatched_twice: 0, ended_once: r.accepted });
    expect(r.accepted).toBe(r.submitted);
    // No failover used up one of a task's three host attempts.
    expect(await stack.retried()).toBe(0);
  };

  it("a standby Headhunter takes over from the active one killed with -9", async () => {
    const epoch = (await stack.store.leadership.active())?.epoch ?? 0;
    const [ms] = await stack.submitStream(30, 50, [{ at: 10, fault: () => stack.killActiveHeadhunter() }]);
    expect(ms).toBeGreaterThan(0);
    expect((await stack.store.leadership.active())?.epoch).toBeGreaterThan(epoch);
    await check();
  }, 240_000);

  it("Sentinel promotes a replica when the Redis master is killed with -9, and nothing accepted is lost", async () => {
    const before = await stack.redis.masterPort();
    await stack.submitStream(30, 50, [{ at: 10, fault: () => stack.killRedisMaster() }]);
    expect(await stack.redis.masterPort()).not.toBe(before);
    await check();
  }, 240_000);

  it("Headhunter and a worker move to another broker node when theirs is killed with -9, and no status is lost", async () => {
    await stack.submitStream(30, 50, [{ at: 10, fault: () => stack.killHeadhunterBrokerNode() }]);
    expect(stack.broker.nodes.filter((n) => n.running)).toHaveLength(2);
    await check();
  }, 240_000);
});
