/**
 * A worker thread running BenchAgents, so that many agents do not share
 * Headhunter's event loop (in production they are other machines). The
 * parent sends the agents to start; the thread reports when each is ready
 * and each build's end.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { BusConfig } from "../libs/bus/src/index.ts";
import { BenchAgent } from "./benchAgent.ts";

export interface AgentThreadData {
  agents: { bus: BusConfig; name: string; token: string }[];
  slots: number;
  buildMs: number;
}

export type AgentThreadEvent = { kind: "ready" } | { kind: "ended"; n: number } | { kind: "closed" };

const data = workerData as AgentThreadData;
const port = parentPort;
if (port === null) throw new Error("agentThread.ts runs as a worker thread");
let ended = 0;
let reported = 0;
const flush = (): void => {
  if (ended === reported) return;
  port.postMessage({ kind: "ended", n: ended - reported } satisfies AgentThreadEvent);
  reported = ended;
};
const timer = setInterval(flush, 10);
const agents = await Promise.all(data.agents.map((a) => BenchAgent.start(a.bus, a.name, a.token, {
  slots: data.slots, buildMs: data.buildMs, onEnd: () => void ended++,
})));
port.postMessage({ kind: "ready" } satisfies AgentThreadEvent);
port.on("message", (m: { kind: "close" }) => {
  if (m.kind !== "close") return;
  void (async () => {
    flush();
    clearInterval(timer);
    for (const a of agents) await a.close().catch(() => undefined);
    port.postMessage({ kind: "closed" } satisfies AgentThreadEvent);
  })();
});
