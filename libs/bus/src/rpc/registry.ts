import { EventEmitter } from "node:events";
import type { AgentInfoBody } from "./envelope.ts";

/** What a console knows of one live agent. Times in ms since the epoch. */
export interface AgentInfo {
  name: string;
  epoch: number;
  heartbeatIntervalMs: number;
  lastSeen: number;
  capabilities: Record<string, unknown>;
  slots: { total: number; used: number } | undefined;
  /** Every value of the last heartbeat, including ones this version does not know. */
  values: Record<string, unknown>;
}

export interface AgentRegistryEvents {
  added: [agent: AgentInfo];
  updated: [agent: AgentInfo, info: { reattached: boolean }];
  /** Same name, new epoch: the agent process restarted (its in-flight work is gone). */
  restarted: [agent: AgentInfo, previousEpoch: number];
  /** No heartbeat for `missedIntervals` intervals. */
  lost: [agent: AgentInfo];
  /** A heartbeat, locate response or reply naming an agent came from another broker user (see ConsoleOptions.agentIdentity); it was dropped. */
  impostor: [report: { claimed: string; sender: string | undefined; what: string }];
}

/**
 * Live agents as seen from heartbeats and agent-locate responses. Each agent
 * has one timer, re-armed by every heartbeat: no polling.
 */
export class AgentRegistry extends EventEmitter<AgentRegistryEvents> {
  /** `timer` is unset while paused. */
  readonly #agents = new Map<string, { info: AgentInfo; timer: NodeJS.Timeout | undefined }>();
  readonly #missedIntervals: number;
  /** True while the console cannot hear heartbeats (its own connection is down). */
  #paused = false;

  /** @param missedIntervals heartbeat intervals without news before an agent is lost. Default 3. */
  constructor(missedIntervals = 3) {
    super();
    this.#missedIntervals = missedIntervals;
  }

  get(name: string): AgentInfo | undefined {
    return this.#agents.get(name)?.info;
  }

  list(): AgentInfo[] {
    return [...this.#agents.values()].map((a) => a.info);
  }

  /** Feeds one heartbeat or locate response. */
  observe(name: string, body: AgentInfoBody, now = Date.now()): void {
    const v = body._values;
    const info: AgentInfo = {
      name,
      epoch: v._epoch,
      heartbeatIntervalMs: v._heartbeat_interval,
      lastSeen: now,
      capabilities: v.capabilities,
      slots: v.slots,
      values: v,
    };
    const previous = this.#agents.get(name);
    if (previous !== undefined) clearTimeout(previous.timer);
    this.#agents.set(name, { info, timer: this.#arm(name, info.heartbeatIntervalMs) });
    if (previous === undefined) this.emit("added", info);
    else if (previous.info.epoch !== info.epoch) this.emit("restarted", info, previous.info.epoch);
    else this.emit("updated", info, { reattached: v._reattached === true });
  }

  /**
   * The console's own connection is down: it hears nobody, so silence says
   * nothing about the agents. No agent is lost until resume().
   */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    for (const a of this.#agents.values()) {
      clearTimeout(a.timer);
      a.timer = undefined;
    }
  }

  /** Heartbeats can arrive again: every known agent gets a full window of missed intervals from now. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    for (const [name, a] of this.#agents) {
      clearTimeout(a.timer);
      a.timer = this.#arm(name, a.info.heartbeatIntervalMs);
    }
  }

  #arm(name: string, intervalMs: number): NodeJS.Timeout | undefined {
    if (this.#paused) return undefined;
    const timer = setTimeout(() => this.#lose(name), this.#missedIntervals * intervalMs);
    timer.unref();
    return timer;
  }

  #lose(name: string): void {
    const entry = this.#agents.get(name);
    if (entry === undefined) return;
    this.#agents.delete(name);
    this.emit("lost", entry.info);
  }

  /** Forgets every agent and stops all timers. Safe to call twice. */
  close(): void {
    for (const a of this.#agents.values()) clearTimeout(a.timer);
    this.#agents.clear();
    this.removeAllListeners();
  }
}
