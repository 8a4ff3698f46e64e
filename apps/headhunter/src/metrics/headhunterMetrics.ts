import { componentRegistry, Counter, DURATION_BUCKETS_S, Gauge, Histogram, LATENCY_BUCKETS_S, type Registry } from "@copr/metrics";
import type { Leadership, Task } from "@copr/store";
import type { AgentPool } from "../agents/agentPool.ts";
import type { Scheduler } from "../scheduling/scheduler.ts";

const ACTIVE_HELP = "1 while this Headhunter holds the lease and allocates builds, 0 while it stands by (or lost the lease)";
const ACTIVE_EPOCH_HELP = "The fencing epoch under which this Headhunter is active (0 while standing by or once it lost the lease)";

/**
 * What a Headhunter standing by serves on /metrics: that it stands by, and
 * the latest epoch in Redis (which grows at each takeover).
 */
export function standbyRegistry(leadership: Leadership): Registry {
  const registry = componentRegistry("headhunter");
  new Gauge({ name: "copr_headhunter_active", help: ACTIVE_HELP, registers: [registry] }).set(0);
  new Gauge({ name: "copr_headhunter_active_epoch", help: ACTIVE_EPOCH_HELP, registers: [registry] }).set(0);
  new Gauge({
    name: "copr_headhunter_latest_epoch", help: "The latest fencing epoch in Redis, as this standby last read it (-1: Redis did not answer)", registers: [registry],
    async collect() {
      this.set(await leadership.epoch().catch(() => -1));
    },
  });
  return registry;
}

/**
 * Headhunter's Prometheus metrics. Gauges are read from the scheduler and
 * the agent pool when scraped; counters and histograms are fed by the
 * events that change them.
 */
export class HeadhunterMetrics {
  readonly registry: Registry;
  readonly #dispatch: Histogram;
  readonly #buildDuration: Histogram;
  readonly #ended: Counter;
  readonly #agentsLost: Counter;
  readonly #reconnects: Counter;
  readonly #createrepo: Histogram;
  readonly #sign: Histogram;
  /** Signing jobs waiting or running (set once the sign queue exists). */
  signQueueDepth: (() => Promise<number>) | undefined;
  readonly #rpcCalls: Counter;
  readonly #rpcDuration: Histogram;

  constructor(deps: {
    scheduler: Scheduler; pool: AgentPool; lease?: { epoch: number; isLost: boolean };
    replication?: { readonly confirmed: number; readonly unconfirmed: number };
  }) {
    const registry = componentRegistry("headhunter");
    this.registry = registry;
    const { scheduler, pool, lease, replication } = deps;
    if (replication !== undefined) {
      new Gauge({
        name: "copr_redis_critical_writes", labelNames: ["replica"], registers: [registry],
        help: "Critical writes (accepted builds, task moves, takeovers) since start by whether every connected replica acknowledged them in time (acked, unacked); none while the master has no replica",
        collect() {
          this.set({ replica: "acked" }, replication.confirmed);
          this.set({ replica: "unacked" }, replication.unconfirmed);
        },
      });
    }
    if (lease !== undefined) {
      new Gauge({
        name: "copr_headhunter_active", help: ACTIVE_HELP, registers: [registry],
        collect() {
          this.set(lease.isLost ? 0 : 1);
        },
      });
      new Gauge({
        name: "copr_headhunter_active_epoch", help: ACTIVE_EPOCH_HELP, registers: [registry],
        collect() {
          this.set(lease.isLost ? 0 : lease.epoch);
        },
      });
    }
    new Gauge({
      name: "copr_queue_tasks", help: "Pending tasks queued for a slot, per arch and lane (ordinary, background)", labelNames: ["arch", "lane"], registers: [registry],
      collect() {
        this.reset();
        for (const q of scheduler.queuedByArch()) this.set({ arch: q.arch, lane: q.lane }, q.count);
      },
    });
    new Gauge({
      name: "copr_pending_tasks_by_reason", help: "Queued tasks by what holds them back: slot (a free slot), batch, project, owner, owner-arch (limits), arch (no builder), background",
      labelNames: ["reason"], registers: [registry],
      collect() {
        this.reset();
        for (const [reason, count] of scheduler.waitingByReasonKind()) this.set({ reason }, count);
      },
    });
    new Gauge({
      name: "copr_running_tasks", help: "Tasks starting or running on an agent", registers: [registry],
      collect() {
        this.set(scheduler.runningCount);
      },
    });
    new Gauge({
      name: "copr_agents_online", help: "Agents that passed the token check and send heartbeats", registers: [registry],
      collect() {
        this.set(pool.snapshot().length);
      },
    });
    new Gauge({
      name: "copr_agent_slots", help: "Build slots of online agents, by use (free, used)", labelNames: ["use"], registers: [registry],
      collect() {
        const agents = pool.snapshot();
        const used = agents.reduce((n, a) => n + a.used, 0);
        this.set({ use: "used" }, used);
        this.set({ use: "free" }, Math.max(0, agents.reduce((n, a) => n + a.slots, 0) - used));
      },
    });
    this.#dispatch = new Histogram({
      name: "copr_dispatch_latency_seconds", help: "From a slot being picked for a task to the agent accepting its build call", buckets: LATENCY_BUCKETS_S, registers: [registry],
    });
    this.#buildDuration = new Histogram({
      name: "copr_build_duration_seconds", help: "Builder time of a task attempt, from start to end, by arch and final state",
      labelNames: ["arch", "state"], buckets: DURATION_BUCKETS_S, registers: [registry],
    });
    this.#ended = new Counter({ name: "copr_tasks_ended_total", help: "Tasks that reached a final state, by state", labelNames: ["state"], registers: [registry] });
    this.#agentsLost = new Counter({ name: "copr_agents_lost_total", help: "Agents declared lost (heartbeats stopped, or a restart)", registers: [registry] });
    this.#reconnects = new Counter({ name: "copr_reconnects_total", help: "Reconnections to a service, by service (broker, redis)", labelNames: ["service"], registers: [registry] });
    this.#rpcCalls = new Counter({
      name: "copr_rpc_calls_total", help: "Calls to agents over the bus, by method and outcome (ok, or the error code: TIMEOUT, BUSY, …)",
      labelNames: ["method", "outcome"], registers: [registry],
    });
    this.#rpcDuration = new Histogram({
      name: "copr_rpc_call_duration_seconds", help: "Time from a call to an agent to its answer, by method", labelNames: ["method"], buckets: LATENCY_BUCKETS_S, registers: [registry],
    });
    this.#createrepo = new Histogram({
      name: "copr_createrepo_duration_seconds", help: "createrepo_c runs on the results host, by outcome", labelNames: ["outcome"], buckets: DURATION_BUCKETS_S, registers: [registry],
    });
    this.#sign = new Histogram({
      name: "copr_sign_duration_seconds", help: "Signing one build's packages of one chroot on a signer, by outcome", labelNames: ["outcome"], buckets: DURATION_BUCKETS_S, registers: [registry],
    });
    const depth = (): (() => Promise<number>) | undefined => this.signQueueDepth;
    new Gauge({
      name: "copr_sign_queue_jobs", help: "Signing jobs (packages to sign, keys to make) waiting or running", registers: [registry],
      async collect() {
        const read = depth();
        if (read !== undefined) this.set(await read().catch(() => 0));
      },
    });
  }

  dispatched(ms: number): void {
    this.#dispatch.observe(ms / 1000);
  }

  taskEnded(task: Task): void {
    this.#ended.inc({ state: task.state });
    if (task.startedAt !== null && task.endedAt !== null) this.#buildDuration.observe({ arch: task.arch, state: task.state }, Math.max(0, task.endedAt - task.startedAt) / 1000);
  }

  agentLost(): void {
    this.#agentsLost.inc();
  }

  reconnected(service: "broker" | "redis"): void {
    this.#reconnects.inc({ service });
  }

  rpcCall(method: string, outcome: string, ms: number): void {
    this.#rpcCalls.inc({ method, outcome });
    this.#rpcDuration.observe({ method }, ms / 1000);
  }

  signed(ms: number, ok: boolean): void {
    this.#sign.observe({ outcome: ok ? "ok" : "failed" }, ms / 1000);
  }

  createrepo(ms: number, ok: boolean): void {
    this.#createrepo.observe({ outcome: ok ? "ok" : "failed" }, ms / 1000);
  }
}
