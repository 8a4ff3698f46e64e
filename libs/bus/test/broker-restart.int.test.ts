import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { Agent, BusError, Console, Signals, workerBuildDomain } from "@copr/bus";
import { RabbitMqInstance, type BrokerUser } from "@copr/testkit";
import { openBus, until } from "./fixtures.ts";

// This file kills its own broker, never the shared one.
let broker: RabbitMqInstance;
const vhost = "fault";
const ns = () => ({
  vhost,
  amqpPort: broker.amqpPort,
  managementPort: broker.managementPort,
  credentials: (user: BrokerUser) => ({ username: user, password: broker.passwords[user] }),
});

beforeAll(async () => {
  broker = await RabbitMqInstance.start();
  await broker.createVhost(vhost);
}, 120_000);

afterAll(async () => {
  await broker?.close();
});

describe("broker killed and restarted in the middle of traffic", () => {
  it("loses no durable signal and leaves no call hanging", async () => {
    await using worker = await openBus(ns(), await broker.agentAdmin(vhost).addAgent("fedoraproject:copr-worker:f1"));
    await using hh = await openBus(ns(), "headhunter");

    // Durable subscriber: Headhunter's status queue.
    const received = new Map<number, number>();
    const sub = new Signals(hh).subscribe(
      workerBuildDomain,
      { status: (p) => void received.set(p.seq, (received.get(p.seq) ?? 0) + 1) },
      { durable: { queue: "copr.headhunter.status" } },
    );
    await sub.ready;

    // RPC traffic at the same time.
    const agent = await Agent.start(worker, { name: "fedoraproject:copr-worker:f1", epoch: 1, heartbeatIntervalMs: 500 });
    agent.method("echo", { description: "echo", args: z.object({ n: z.number() }), handler: ({ n }) => n });
    const console = await Console.open(hh);

    const total = 400;
    const signals = new Signals(worker);
    let published = 0;
    const publishing = (async () => {
      const inFlight = new Set<Promise<void>>();
      for (let seq = 1; seq <= total; seq++) {
        const p = signals
          .publish(workerBuildDomain, "status", {
            primary_uid: "task-f", task_id: "task-f", attempt: 0, agent: agent.name, state: "running", seq,
          })
          .then(() => {
            published++;
            inFlight.delete(p);
          });
        inFlight.add(p);
        if (inFlight.size >= 20) await Promise.race(inFlight);
        if (seq % 20 === 0) await new Promise((r) => setTimeout(r, 15));
      }
      await Promise.all(inFlight);
    })();

    const outcomes = { ok: 0, typedError: 0, other: 0 };
    let calling = true;
    const calls = (async () => {
      let n = 0;
      while (calling) {
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, () => console.call(agent.name, "echo", { n: n++ }, { timeoutMs: 4000 })),
        );
        for (const r of results) {
          if (r.status === "fulfilled") outcomes.ok++;
          else if (r.reason instanceof BusError) outcomes.typedError++;
          else outcomes.other++;
        }
        // Calls refused at once (a refused address while the broker restarts) settle in microtasks only:
        // without yielding to I/O here, this loop would starve the connection it is testing.
        await new Promise((r) => setImmediate(r));
      }
    })();

    await until(() => published >= total / 4, 30_000, "traffic before the crash");
    await broker.kill();
    await new Promise((r) => setTimeout(r, 500));
    await broker.restart();

    await publishing;
    await until(() => received.size === total, 60_000, `all ${total} signals (have ${received.size})`);
    // Calls work again after the restart.
    await expect(console.call(agent.name, "echo", { n: -1 }, { timeoutMs: 15_000 })).resolves.toBe(-1);
    calling = false;
    await calls;

    const duplicates = [...received.values()].reduce((a, c) => a + c - 1, 0);
    globalThis.console.log(`broker restart: ${total} signals, ${duplicates} duplicates; calls ok=${outcomes.ok} typed errors=${outcomes.typedError}`);
    expect([...received.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(outcomes.other).toBe(0);
    expect(outcomes.ok).toBeGreaterThan(0);

    console.close();
    agent.close();
    sub.close();
  }, 120_000);
});
