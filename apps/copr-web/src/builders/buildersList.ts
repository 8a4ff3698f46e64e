import type { AgentInfo, AgentRegistry } from "@copr/bus";
import type { Store } from "@copr/store";

export interface BuilderView {
  name: string;
  /** online: heartbeating; draining: online but takes no new work; lost: registered, no heartbeat */
  state: "online" | "draining" | "lost";
  arches: string[];
  slots: { total: number; used: number };
  /** ms since the last heartbeat; null when never seen by this server */
  lastHeartbeatAgeMs: number | null;
  epoch: number | null;
  tasks: string[];
}

/** What lost agents last said, so the page still shows their arches and last heartbeat. */
const lastKnown = new WeakMap<AgentRegistry, Map<string, AgentInfo>>();

/** Starts remembering agents the registry loses (call once when the registry is created). */
export function rememberLostAgents(agents: AgentRegistry): Map<string, AgentInfo> {
  let m = lastKnown.get(agents);
  if (m === undefined) {
    const map = new Map<string, AgentInfo>();
    agents.on("lost", (a) => map.set(a.name, a));
    lastKnown.set(agents, map);
    m = map;
  }
  return m;
}

/** Every registered worker, with what its heartbeats say (or last said, when it is lost). */
export async function buildersList(store: Store, agents: AgentRegistry | undefined): Promise<BuilderView[]> {
  const workers = await store.workers.listWorkers();
  const now = Date.now();
  const gone = agents === undefined ? undefined : rememberLostAgents(agents);
  return await Promise.all(workers.map(async (w) => {
    const live = agents?.get(w.name);
    const seen = live ?? gone?.get(w.name);
    const arches = seen?.capabilities.arches;
    return {
      name: w.name,
      state: live === undefined ? "lost" : w.drain ? "draining" : "online",
      arches: Array.isArray(arches) ? arches.filter((a): a is string => typeof a === "string") : [],
      slots: live?.slots ?? { total: seen?.slots?.total ?? 0, used: 0 },
      lastHeartbeatAgeMs: seen === undefined ? null : now - seen.lastSeen,
      epoch: seen?.epoch ?? null,
      tasks: await store.builds.agentTaskIds(w.name),
    } satisfies BuilderView;
  }));
}

/** Resolves on the next change of the agent registry (coalescing heartbeats to at most one per `minMs`). */
export function nextAgentChange(agents: AgentRegistry, signal: AbortSignal | undefined, minMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    const started = Date.now();
    const done = (): void => {
      for (const e of ["added", "updated", "restarted", "lost"] as const) agents.off(e, onChange);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const onChange = (): void => {
      const wait = minMs - (Date.now() - started);
      if (wait <= 0) done();
      else setTimeout(done, wait);
    };
    for (const e of ["added", "updated", "restarted", "lost"] as const) agents.on(e, onChange);
    signal?.addEventListener("abort", done);
  });
}
