import { describe, expect, it } from "vitest";
import { Agent, Console, type AgentInfo, type BusConnection } from "@copr/bus";
import { namespace, openBus, until } from "./fixtures.ts";

const NAME = "fedoraproject:copr-worker:w1";

describe("agent heartbeats and discovery", () => {
  it("sees an agent appear, restart with a new epoch, and get lost within 3 intervals", async () => {
    await using ns = await namespace();
    await using hh = await openBus(ns, "headhunter");
    const console = await Console.open(hh);
    const events: string[] = [];
    let lostAt = 0;
    console.agents.on("added", (a) => events.push(`added:${a.epoch}`));
    console.agents.on("restarted", (a, prev) => events.push(`restarted:${prev}->${a.epoch}`));
    console.agents.on("lost", (a) => {
      events.push(`lost:${a.epoch}`);
      lostAt = Date.now();
    });

    const interval = 300;
    const bus1 = await openBus(ns, await ns.agent(NAME));
    const first = await Agent.start(bus1, {
      name: NAME, epoch: 1, heartbeatIntervalMs: interval,
      capabilities: { arches: ["x86_64"] }, slots: () => ({ total: 4, used: 1 }),
    });
    await until(() => events.includes("added:1"), 10_000, "agent added");
    const seen = console.agents.get(NAME) as AgentInfo;
    expect(seen.capabilities).toEqual({ arches: ["x86_64"] });
    expect(seen.slots).toEqual({ total: 4, used: 1 });
    expect(seen.heartbeatIntervalMs).toBe(interval);

    // The process "restarts": same name, next boot count.
    first.close();
    await bus1.close();
    const bus2 = await openBus(ns, await ns.agent(NAME));
    const second = await Agent.start(bus2, { name: NAME, epoch: 2, heartbeatIntervalMs: interval });
    await until(() => events.includes("restarted:1->2"), 10_000, "restart seen");

    const lastBeat = console.agents.get(NAME)?.lastSeen ?? Date.now();
    second.close();
    await bus2.close();
    await until(() => events.includes("lost:2"), 10_000, "agent lost");
    // Never aged out before 3 intervals of silence. How soon after that is a
    // matter of the timer, which registry.test.ts checks on a fake clock.
    expect(lostAt - lastBeat).toBeGreaterThanOrEqual(3 * interval - 20);
    expect(events.filter((e) => e.startsWith("lost"))).toEqual(["lost:2"]);
    console.close();
  });

  it("finds agents that were already running with an agent-locate broadcast", async () => {
    await using ns = await namespace();
    const names = ["a1", "a2", "a3"].map((i) => `fedoraproject:copr-worker:${i}`);
    const buses = await Promise.all(names.map(async (name) => openBus(ns, await ns.agent(name))));
    const agents = await Promise.all(names.map((name, i) => Agent.start(buses[i] as BusConnection, { name, epoch: 5, heartbeatIntervalMs: 60_000 })));
    await using hh = await openBus(ns, "headhunter");
    // Heartbeats come once a minute here: only the locate answers can tell the console.
    const console = await Console.open(hh);
    // Each locate waits 500 ms for answers; a busy machine may answer later,
    // so ask again until every agent has answered one of them.
    const found = new Set<string>();
    await until(async () => {
      for (const name of await console.locate(500)) found.add(name);
      return found.size === agents.length;
    }, 30_000, "every agent to answer a locate");
    expect([...found].sort()).toEqual(["fedoraproject:copr-worker:a1", "fedoraproject:copr-worker:a2", "fedoraproject:copr-worker:a3"]);
    expect(console.agents.get("fedoraproject:copr-worker:a2")?.epoch).toBe(5);
    console.close();
    for (const a of agents) a.close();
    for (const b of buses) await b.close();
  });
});
