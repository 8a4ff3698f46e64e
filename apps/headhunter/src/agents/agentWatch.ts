import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { AgentInfo, BusLogger, Console } from "@copr/bus";
import { WORKER_METHODS, helloResultSchema, proofFromHash, proofMatches } from "@copr/domain";
import type { Store } from "@copr/store";
import type { AgentPool } from "./agentPool.ts";

export interface AgentWatchEvents {
  /** An agent proved its worker token: it may be given work. */
  ready: [agent: AgentInfo];
  /** An agent is not registered, is removed, or failed the token check; it gets no work. */
  refused: [agent: AgentInfo, reason: string];
  /** An agent's tasks must be retried elsewhere: it was lost or restarted. */
  gone: [agent: string, taskIds: string[], reason: string];
}

/**
 * Follows the console's agent registry. Every agent that appears (or
 * restarts) must prove it holds the token `copr worker add` issued for its
 * name before it joins the pool; unknown agents never get work.
 */
export class AgentWatch extends EventEmitter<AgentWatchEvents> {
  readonly #console: Console;
  readonly #store: Store;
  readonly #pool: AgentPool;
  readonly #log: BusLogger;
  readonly #timeoutMs: number;
  readonly #refused = new Set<string>();

  constructor(deps: { console: Console; store: Store; pool: AgentPool; log: BusLogger; timeoutMs: number }) {
    super();
    this.#console = deps.console;
    this.#store = deps.store;
    this.#pool = deps.pool;
    this.#log = deps.log;
    this.#timeoutMs = deps.timeoutMs;
    const agents = deps.console.agents;
    agents.on("added", (a) => void this.#check(a, "appeared"));
    agents.on("restarted", (a, previous) => {
      this.#log.warn({ agent: a.name, epoch: a.epoch, previousEpoch: previous }, "agent restarted; its running work is gone");
      void this.#gone(a.name, `${a.name} restarted`).then(() => this.#check(a, "restarted"));
    });
    // A heartbeat that cannot be checked against the store (Redis away) is skipped; the next one tries again.
    agents.on("updated", (a) => void this.#refresh(a).catch((err: unknown) => this.#log.warn({ agent: a.name, err: String(err) }, "could not check a heartbeat against the registered workers")));
    agents.on("lost", (a) => {
      this.#log.warn({ agent: a.name, epoch: a.epoch, lastSeen: new Date(a.lastSeen).toISOString() }, "agent lost: no heartbeat");
      void this.#gone(a.name, `${a.name} stopped answering (no heartbeat for ${3 * a.heartbeatIntervalMs} ms)`);
    });
    // Agents the console heard before these listeners were attached.
    for (const a of agents.list()) void this.#check(a, "appeared");
  }

  async #check(agent: AgentInfo, why: string): Promise<void> {
    try {
      const worker = await this.#store.workers.getWorker(agent.name);
      if (worker === null) return this.#refuse(agent, "not registered (copr worker add NAME)");
      const nonce = randomBytes(24).toString("hex");
      const reply = helloResultSchema.parse(await this.#console.call(agent.name, WORKER_METHODS.hello, { nonce }, { timeoutMs: this.#timeoutMs }));
      if (!proofMatches(proofFromHash(worker.tokenSha256, nonce), reply.proof)) return this.#refuse(agent, "wrong worker token");
      this.#refused.delete(agent.name);
      const tasks = await this.#store.builds.agentTaskIds(agent.name);
      this.#pool.add(agent, worker.drain, tasks);
      this.#log.info({ agent: agent.name, epoch: agent.epoch, capabilities: agent.capabilities, slots: agent.slots, drain: worker.drain }, `agent ${why}: token ok, ready`);
      this.emit("ready", agent);
    } catch (error) {
      this.#refuse(agent, `check failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #refuse(agent: AgentInfo, reason: string): void {
    if (!this.#refused.has(agent.name)) this.#log.warn({ agent: agent.name, reason }, "agent gets no work");
    this.#refused.add(agent.name);
    this.emit("refused", agent, reason);
  }

  async #refresh(agent: AgentInfo): Promise<void> {
    if (!this.#pool.has(agent.name)) {
      // A refused agent is checked again when it is (re)registered.
      if (this.#refused.has(agent.name) && (await this.#store.workers.getWorker(agent.name)) !== null) await this.#check(agent, "registered");
      return;
    }
    const worker = await this.#store.workers.getWorker(agent.name);
    if (worker === null) {
      this.#log.warn({ agent: agent.name }, "agent was removed from the registered workers");
      await this.#gone(agent.name, `${agent.name} was removed`);
      this.#refused.add(agent.name);
      return;
    }
    this.#pool.update(agent, worker.drain);
  }

  /**
   * Takes the agent out of the pool and announces its tasks. Never rejects:
   * while Redis is away the task list is read again with backoff, so a lost
   * agent's tasks are not forgotten.
   */
  async #gone(name: string, reason: string): Promise<void> {
    this.#pool.remove(name);
    for (let delayMs = 500; ; delayMs = Math.min(2 * delayMs, 10_000)) {
      try {
        const tasks = await this.#store.builds.agentTaskIds(name);
        this.emit("gone", name, tasks, reason);
        return;
      } catch (error) {
        if (this.#store.redis.status === "end") return; // Headhunter is closing
        this.#log.warn({ agent: name, err: String(error), retryInMs: delayMs }, "cannot read the gone agent's tasks yet");
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }
}
