import { once } from "node:events";
import type { BusLogger, Console } from "@copr/bus";
import type { AgentPool } from "../agents/agentPool.ts";

/**
 * Calls a method on some agent announcing a capability (`createrepo`,
 * `sign`). While there is none, the call waits for one (a queued job keeps
 * its place instead of failing in a loop); calls are spread over the capable
 * agents by their calls in flight; and a call gives up at once (ABORTED)
 * when its agent leaves the pool, so its job is retried on another agent
 * instead of waiting out the timeout.
 */
export class CapableCaller {
  readonly #deps: { pool: AgentPool; console: Console; log: BusLogger };
  readonly #capability: string;
  /** What to tell the operator while no agent offers the capability. */
  readonly #hint: string;
  readonly #closing: AbortSignal;
  readonly #inFlight = new Map<string, number>();
  /** Per agent, what aborts its calls in flight when it leaves the pool. */
  readonly #gone = new Map<string, AbortController>();
  #warned = false;

  constructor(deps: { pool: AgentPool; console: Console; log: BusLogger }, capability: string, hint: string, closing: AbortSignal) {
    this.#deps = deps;
    this.#capability = capability;
    this.#hint = hint;
    this.#closing = closing;
    const onRemoved = (name: string): void => {
      this.#gone.get(name)?.abort();
      this.#gone.delete(name);
    };
    deps.pool.on("removed", onRemoved);
    closing.addEventListener("abort", () => deps.pool.off("removed", onRemoved), { once: true });
  }

  async call(method: string, args: Record<string, unknown>, timeoutMs: number): Promise<{ agent: string; reply: unknown }> {
    const { console } = this.#deps;
    const agent = await this.#agent();
    let gone = this.#gone.get(agent);
    if (gone === undefined) {
      gone = new AbortController();
      this.#gone.set(agent, gone);
    }
    this.#inFlight.set(agent, (this.#inFlight.get(agent) ?? 0) + 1);
    try {
      const reply = await console.call(agent, method, args, { timeoutMs, signal: AbortSignal.any([gone.signal, this.#closing]) });
      return { agent, reply };
    } finally {
      const left = (this.#inFlight.get(agent) ?? 1) - 1;
      if (left === 0) {
        this.#inFlight.delete(agent);
        if (this.#gone.get(agent) === gone) this.#gone.delete(agent);
      } else {
        this.#inFlight.set(agent, left);
      }
    }
  }

  async #agent(): Promise<string> {
    const { pool, log } = this.#deps;
    for (;;) {
      const agents = pool.capableAll(this.#capability);
      if (agents.length > 0) {
        this.#warned = false;
        return agents.reduce((best, a) => ((this.#inFlight.get(a) ?? 0) < (this.#inFlight.get(best) ?? 0) ? a : best));
      }
      if (!this.#warned) log.warn({ capability: this.#capability }, `no ready agent offers ${this.#capability}; its jobs wait for one (${this.#hint})`);
      this.#warned = true;
      await once(pool, "capacity", { signal: this.#closing });
    }
  }
}
