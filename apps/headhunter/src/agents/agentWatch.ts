import { EventEmitter } from "node:events";
import type { AgentInfo, BusLogger, Console } from "@copr/bus";

export interface AgentWatchEvents {
  /** An agent answered its check call: it may be given work. */
  ready: [agent: AgentInfo, rttMs: number];
  /** An agent did not answer its check call. */
  unhealthy: [agent: AgentInfo, error: Error];
  lost: [agent: AgentInfo];
}

/**
 * Follows the console's agent registry: every agent that appears (or
 * restarts with a new epoch) is checked with a `ping` call before it counts
 * as ready; lost agents are reported.
 */
export class AgentWatch extends EventEmitter<AgentWatchEvents> {
  readonly #console: Console;
  readonly #log: BusLogger;
  readonly #timeoutMs: number;

  constructor(console: Console, log: BusLogger, timeoutMs: number) {
    super();
    this.#console = console;
    this.#log = log;
    this.#timeoutMs = timeoutMs;
    console.agents.on("added", (a) => void this.#check(a, "appeared"));
    console.agents.on("restarted", (a, previous) => {
      this.#log.warn({ agent: a.name, epoch: a.epoch, previousEpoch: previous }, "agent restarted; its running work is gone");
      void this.#check(a, "restarted");
    });
    console.agents.on("lost", (a) => {
      this.#log.warn({ agent: a.name, epoch: a.epoch, lastSeen: new Date(a.lastSeen).toISOString() }, "agent lost: no heartbeat");
      this.emit("lost", a);
    });
  }

  async #check(agent: AgentInfo, why: string): Promise<void> {
    const t0 = performance.now();
    try {
      await this.#console.call(agent.name, "ping", { sent_at: Date.now() }, { timeoutMs: this.#timeoutMs });
      const rttMs = Math.round((performance.now() - t0) * 100) / 100;
      this.#log.info({ agent: agent.name, epoch: agent.epoch, capabilities: agent.capabilities, rttMs }, `agent ${why}: ping ok`);
      this.emit("ready", agent, rttMs);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      this.#log.warn({ agent: agent.name, err: err.message }, `agent ${why}: ping failed`);
      this.emit("unhealthy", agent, err);
    }
  }
}
