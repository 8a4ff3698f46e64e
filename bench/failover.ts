/**
 * `npm run bench:failover`: the three failures of a three-node setup, one
 * after another, during one stream of SUBMISSIONS builds.
 *
 * Starts (test/cluster/failoverStack.ts) a three-node RabbitMQ cluster, a
 * Redis Sentinel group (1 master, 2 replicas, 3 Sentinels), two Headhunter
 * processes (one active, one standing by) and in-process agents that build
 * by waiting BUILD_MS and also sign and publish. Builds are submitted as
 * copr-web stores them, one every INTERVAL_MS; a submission that fails
 * (Redis failing over) is retried, as a client would. During the stream:
 *  1. kill -9 of the active Headhunter process: takeover_ms.headhunter is
 *     until the standby holds the lease under a newer epoch;
 *  2. kill -9 of the Redis master: takeover_ms.redis is until a write goes
 *     through to the replica Sentinel promoted;
 *  3. kill -9 of the broker node the active Headhunter is connected to (a
 *     worker is on it too): takeover_ms.broker_node is until Headhunter's
 *     connection is open on another node.
 * Then waits until every accepted build ended and counts:
 *  - ended_once: accepted builds that succeeded with exactly one final
 *    move in their event stream;
 *  - lost: accepted builds missing from Redis or never ended;
 *  - dispatched_twice: builds handed to a builder more than once (a second
 *    agent, or a second attempt).
 * Writes bench/results/failover.json. Goals: lost = 0, dispatched_twice = 0,
 * each takeover ≤ 10 s.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FailoverStack } from "../test/cluster/failoverStack.ts";

const SUBMISSIONS = 200;
const INTERVAL_MS = 100;
const BUILD_MS = 2000;
const resultsFile = join(dirname(fileURLToPath(import.meta.url)), "results", "failover.json");

async function main(): Promise<void> {
  process.stdout.write("starting a 3-node RabbitMQ cluster, a Redis Sentinel group and 2 Headhunters…\n");
  const stack = await FailoverStack.start({ agents: 4, slots: 4, buildMs: BUILD_MS });
  try {
    const t0 = performance.now();
    const [headhunter = 0, redis = 0, brokerNode = 0] = await stack.submitStream(SUBMISSIONS, INTERVAL_MS, [
      { at: 30, fault: () => stack.killActiveHeadhunter() },
      { at: 90, fault: () => stack.killRedisMaster() },
      { at: 150, fault: () => stack.killHeadhunterBrokerNode() },
    ]);
    process.stdout.write(`submitted ${stack.submitted} in ${Math.round(performance.now() - t0)} ms; waiting for every build to end…\n`);
    const result = await stack.settle({ headhunter, redis, broker_node: brokerNode }, 180_000);
    await mkdir(dirname(resultsFile), { recursive: true });
    await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result)}\nwritten to ${resultsFile}\nbuilds that used a second host attempt: ${await stack.retried()}\n`);
    const takeovers = Object.values(result.takeover_ms);
    const met = result.lost === 0 && result.dispatched_twice === 0 && result.ended_once === result.accepted && takeovers.every((ms) => ms <= 10_000);
    if (!met) {
      const log = join(dirname(resultsFile), "failover-headhunters.log");
      await writeFile(log, await stack.headhunterLog());
      process.stdout.write(`goals not met; builds lost or dispatched twice:\n${await stack.explain()}\nthe Headhunters' log: ${log}\n`);
      process.exitCode = 1;
    }
  } finally {
    await stack.close();
  }
}

await main();
