import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AgentInfoBody } from "./envelope.ts";
import { AgentRegistry, type AgentInfo } from "./registry.ts";

const INTERVAL = 1000;

function heartbeat(epoch: number, extra: Record<string, unknown> = {}, interval = INTERVAL): AgentInfoBody {
  return {
    _values: {
      _timestamp: Date.now(),
      _heartbeat_interval: interval,
      _epoch: epoch,
      capabilities: { arches: ["x86_64"] },
      ...extra,
    },
  };
}

function recorder(registry: AgentRegistry): {
  added: AgentInfo[];
  updated: [AgentInfo, { reattached: boolean }][];
  restarted: [AgentInfo, number][];
  lost: AgentInfo[];
} {
  const events = {
    added: [] as AgentInfo[],
    updated: [] as [AgentInfo, { reattached: boolean }][],
    restarted: [] as [AgentInfo, number][],
    lost: [] as AgentInfo[],
  };
  registry.on("added", (a) => events.added.push(a));
  registry.on("updated", (a, info) => events.updated.push([a, info]));
  registry.on("restarted", (a, previous) => events.restarted.push([a, previous]));
  registry.on("lost", (a) => events.lost.push(a));
  return events;
}

describe("AgentRegistry", () => {
  let registry: AgentRegistry;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2024-01-01T00:00:00Z"));
    registry = new AgentRegistry(3);
  });

  afterEach(() => {
    registry.close();
    vi.useRealTimers();
  });

  it("loses nobody while paused (the console's own connection is down), and gives every agent a full window after resume", () => {
    const events = recorder(registry);
    registry.observe("copr:worker:w1", heartbeat(1));
    vi.advanceTimersByTime(2 * INTERVAL);
    registry.pause();
    vi.advanceTimersByTime(60 * INTERVAL);
    expect(events.lost).toEqual([]);
    registry.resume();
    vi.advanceTimersByTime(3 * INTERVAL - 1);
    expect(events.lost).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(events.lost.map((a) => a.name)).toEqual(["copr:worker:w1"]);
  });

  it("emits added on the first heartbeat of an agent", () => {
    const events = recorder(registry);
    registry.observe("copr:worker:w1", heartbeat(1, { slots: { total: 4, used: 1 }, custom: "kept" }));
    expect(events.added).toHaveLength(1);
    expect(events.updated).toHaveLength(0);
    expect(events.restarted).toHaveLength(0);
    const info = registry.get("copr:worker:w1");
    expect(info).toMatchObject({
      name: "copr:worker:w1",
      epoch: 1,
      heartbeatIntervalMs: INTERVAL,
      lastSeen: Date.now(),
      capabilities: { arches: ["x86_64"] },
      slots: { total: 4, used: 1 },
    });
    expect(info?.values.custom).toBe("kept");
    expect(events.added[0]).toBe(info);
    expect(registry.list().map((a) => a.name)).toEqual(["copr:worker:w1"]);
  });

  it("emits updated with the reattached flag on the same epoch", () => {
    const events = recorder(registry);
    registry.observe("copr:worker:w1", heartbeat(1));
    registry.observe("copr:worker:w1", heartbeat(1));
    registry.observe("copr:worker:w1", heartbeat(1, { _reattached: true }));
    registry.observe("copr:worker:w1", heartbeat(1, { _reattached: false }));
    registry.observe("copr:worker:w1", heartbeat(1, { _reattached: "yes" }));
    expect(events.added).toHaveLength(1);
    expect(events.restarted).toHaveLength(0);
    expect(events.updated.map(([, info]) => info.reattached)).toEqual([false, true, false, false]);
    expect(events.updated.every(([a]) => a.name === "copr:worker:w1" && a.epoch === 1)).toBe(true);
  });

  it("emits restarted with the previous epoch on a new epoch", () => {
    const events = recorder(registry);
    registry.observe("copr:worker:w1", heartbeat(4));
    registry.observe("copr:worker:w1", heartbeat(5, { _reattached: true }));
    expect(events.restarted).toHaveLength(1);
    const [agent, previous] = events.restarted[0] ?? [];
    expect(agent?.epoch).toBe(5);
    expect(previous).toBe(4);
    expect(events.updated).toHaveLength(0);
    expect(registry.get("copr:worker:w1")?.epoch).toBe(5);
  });

  it("keeps agents apart", () => {
    const events = recorder(registry);
    registry.observe("copr:worker:w1", heartbeat(1));
    registry.observe("copr:worker:w2", heartbeat(1));
    expect(events.added.map((a) => a.name)).toEqual(["copr:worker:w1", "copr:worker:w2"]);
    expect(registry.list()).toHaveLength(2);
  });

  it("loses an agent after exactly missedIntervals x interval without a heartbeat", () => {
    const events = recorder(registry);
    registry.observe("copr:worker:w1", heartbeat(1));
    vi.advanceTimersByTime(3 * INTERVAL - 1);
    expect(events.lost).toHaveLength(0);
    expect(registry.get("copr:worker:w1")).toBeDefined();
    vi.advanceTimersByTime(1);
    expect(events.lost.map((a) => a.name)).toEqual(["copr:worker:w1"]);
    expect(registry.get("copr:worker:w1")).toBeUndefined();
    expect(registry.list()).toEqual([]);
    vi.advanceTimersByTime(10 * INTERVAL);
    expect(events.lost).toHaveLength(1);
  });

  it("uses the agent's own interval and the configured missedIntervals", () => {
    registry.close();
    registry = new AgentRegistry(2);
    const events = recorder(registry);
    registry.observe("copr:worker:slow", heartbeat(1, {}, 5000));
    vi.advanceTimersByTime(9999);
    expect(events.lost).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(events.lost).toHaveLength(1);
  });

  it("re-arms the timer on every heartbeat", () => {
    const events = recorder(registry);
    registry.observe("copr:worker:w1", heartbeat(1));
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(3 * INTERVAL - 1);
      registry.observe("copr:worker:w1", heartbeat(1));
    }
    expect(events.lost).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(3 * INTERVAL - 1);
    expect(events.lost).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(events.lost).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("adds a lost agent again when it comes back", () => {
    const events = recorder(registry);
    registry.observe("copr:worker:w1", heartbeat(1));
    vi.advanceTimersByTime(3 * INTERVAL);
    registry.observe("copr:worker:w1", heartbeat(1));
    expect(events.lost).toHaveLength(1);
    expect(events.added).toHaveLength(2);
  });

  it("stops every timer on close", () => {
    const events = recorder(registry);
    const lost = vi.fn();
    registry.observe("copr:worker:w1", heartbeat(1));
    registry.observe("copr:worker:w2", heartbeat(1));
    expect(vi.getTimerCount()).toBe(2);
    registry.close();
    registry.on("lost", lost);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100 * INTERVAL);
    expect(events.lost).toHaveLength(0);
    expect(lost).not.toHaveBeenCalled();
    expect(registry.list()).toEqual([]);
    registry.close(); // twice is fine
  });
});
