import { describe, expect, it } from "vitest";
import { RabbitMqInstance, until } from "@copr/testkit";
import { headhunterFixture } from "./harness.ts";

// The broker of this test's own is killed (-9) while builds are being
// submitted and run, stays down for a while, and comes back: every build
// ends, and none lost a host attempt to the outage (a handover without an
// answer is checked with its agent, not retried elsewhere).
describe("a broker outage during submissions", () => {
  for (const downS of [30, 120]) {
    it(`ends every build, each on its first attempt, when the broker is down ${downS} s`, async () => {
      const broker = await RabbitMqInstance.start();
      try {
        await using f = await headhunterFixture({
          broker: { amqpPort: broker.amqpPort, managementPort: broker.managementPort, passwords: { ...broker.passwords } },
          callTimeoutMs: 2000,
        });
        // Slow answers: when the broker goes, handovers are under way; spare slots: Headhunter could hand over during the outage.
        const workers = await Promise.all([1, 2, 3].map((i) => f.worker(`fedoraproject:copr-worker:w${i}`, { slots: 10, autoFinishMs: 300, replyDelayMs: 1000 })));
        const tasks: string[] = [];
        const submit = async (n: number): Promise<void> => {
          for (let i = 0; i < n; i++) tasks.push((await f.submit(["fedora-40-x86_64"], { owner: `o${i % 4}` })).tasks[0]?.id ?? "");
        };
        await submit(20);
        await until(() => workers.some((w) => w.calls > w.builds.length), 20_000, "a handover under way");
        await broker.kill();
        await submit(20); // accepted while the broker is down: stored and queued in Redis
        // Headhunter has taken them in (queued; one may be picked just before it noticed the broker gone).
        const duringOutage = tasks.slice(20);
        await until(() => duringOutage.every((id) => f.hh.scheduler.isQueued(id) || f.hh.scheduler.isRunning(id)), 20_000, "the tasks submitted during the outage taken in");
        // The outage under test lasts this long (its length is the input, not a guess about when something happens).
        await new Promise((r) => setTimeout(r, downS * 1000));
        await broker.restart();
        await submit(10);
        await until(async () => (await f.store.builds.getTasks(tasks)).every((t) => t.state === "succeeded"), 180_000, "every build to succeed", 500);
        const ended = await f.store.builds.getTasks(tasks);
        expect(ended).toHaveLength(50);
        expect(ended.filter((t) => t.attempt !== 0 || t.hosts.length !== 1).map((t) => ({ id: t.id, attempt: t.attempt, hosts: t.hosts, reason: t.reason }))).toEqual([]);
      } finally {
        await broker.close();
      }
    }, (downS + 300) * 1000);
  }
});
