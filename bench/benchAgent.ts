/**
 * An in-process bus agent that keeps the worker contract (hello, build,
 * cancel, status; signed status reports) and "builds" by waiting a set
 * time. Benchmarks use many of these in place of real workers.
 */
import { Agent, BusConnection, Signals, silentLogger, workerBuildDomain, type BusConfig } from "../libs/bus/src/index.ts";
import {
  WORKER_METHODS, buildArgsSchema, cancelArgsSchema, helloArgsSchema, proofFromHash, statusProofText, tokenKey, workerProof, type BuildArgs,
} from "../libs/domain/src/index.ts";
import { z } from "zod";

export interface BenchAgentOptions {
  slots: number;
  /** How long a build takes, ms (0: it ends as soon as it is accepted). */
  buildMs: number;
  /** Called when a `build` call arrives (before it is answered). */
  onBuild?: (args: BuildArgs, agent: BenchAgent) => void;
  /** Called just before the final report of a build is published. */
  onEnd?: (taskId: string, agent: BenchAgent) => void;
  /** Also offers sign, sign-key and createrepo, answering at once (a results host with a signer). Default false. */
  publishes?: boolean;
}

export class BenchAgent {
  readonly name: string;
  readonly running = new Map<string, { attempt: number; timer: NodeJS.Timeout | undefined }>();
  /** Attempts that ended here (`task@attempt`), as a worker's `status` lists them. */
  readonly ended = new Map<string, { task_id: string; attempt: number; state: string }>();
  #bus!: BusConnection;
  #agent!: Agent;
  #signals!: Signals;
  #key = "";
  #seq = 0;
  #closed = false;

  private constructor(name: string) {
    this.name = name;
  }

  static async start(bus: BusConfig, name: string, token: string, opts: BenchAgentOptions): Promise<BenchAgent> {
    const a = new BenchAgent(name);
    a.#key = tokenKey(token);
    a.#bus = await BusConnection.open(bus, { logger: silentLogger });
    a.#signals = new Signals(a.#bus);
    a.#agent = await Agent.start(a.#bus, {
      name, epoch: 1, heartbeatIntervalMs: 2000,
      capabilities: { arches: ["x86_64"], ...(opts.publishes === true ? { sign: true, createrepo: true } : {}) },
      slots: () => ({ total: opts.slots, used: a.running.size }),
    });
    if (opts.publishes === true) {
      a.#agent.method("sign", {
        description: "answers at once", args: z.object({ build_dir: z.string() }).passthrough(),
        handler: () => ({ fingerprint: "F".repeat(40), packages: 2, bytes_added: 0, duration_ms: 0 }),
      });
      a.#agent.method("sign-key", {
        description: "answers at once", args: z.object({ owner: z.string(), project: z.string() }),
        handler: () => ({ fingerprint: "F".repeat(40) }),
      });
      a.#agent.method("createrepo", {
        description: "answers at once", args: z.object({ owner: z.string(), project: z.string(), chroot: z.string() }),
        handler: (r) => ({ dir: `${r.owner}/${r.project}/${r.chroot}`, packages: 1, incremental: true, duration_ms: 0 }),
      });
    }
    a.#agent.method(WORKER_METHODS.hello, { description: "token proof", args: helloArgsSchema, handler: ({ nonce }) => ({ proof: workerProof(token, nonce) }) });
    a.#agent.method(WORKER_METHODS.status, {
      description: "running attempts", args: z.object({}),
      handler: () => ({ tasks: [...a.running].map(([task_id, r]) => ({ task_id, attempt: r.attempt })), ended: [...a.ended.values()] }),
    });
    a.#agent.method(WORKER_METHODS.build, {
      description: "waits buildMs, then reports succeeded", args: buildArgsSchema,
      handler: (args) => {
        opts.onBuild?.(args, a);
        if (!a.#closed && !a.running.has(args.task_id) && !a.ended.has(`${args.task_id}@${args.attempt}`)) {
          const entry: { attempt: number; timer: NodeJS.Timeout | undefined } = { attempt: args.attempt, timer: undefined };
          a.running.set(args.task_id, entry);
          entry.timer = setTimeout(() => {
            a.running.delete(args.task_id);
            a.ended.set(`${args.task_id}@${args.attempt}`, { task_id: args.task_id, attempt: args.attempt, state: "succeeded" });
            if (a.ended.size > 10_000) a.ended.delete(a.ended.keys().next().value ?? "");
            opts.onEnd?.(args.task_id, a);
            a.report(args.task_id, args.attempt, "succeeded").catch(() => undefined);
          }, opts.buildMs);
        }
        return { accepted: true as const, host: "bench", already_running: false };
      },
    });
    a.#agent.method(WORKER_METHODS.cancel, {
      description: "stops the wait, reports canceled", args: cancelArgsSchema,
      handler: async ({ task_id, attempt }) => {
        const r = a.running.get(task_id);
        if (r === undefined) return { canceled: false };
        clearTimeout(r.timer);
        a.running.delete(task_id);
        await a.report(task_id, attempt, "canceled");
        return { canceled: true };
      },
    });
    return a;
  }

  async report(taskId: string, attempt: number, state: "running" | "succeeded" | "failed" | "canceled"): Promise<void> {
    const report = { task_id: taskId, attempt, agent: this.name, state, seq: this.#seq++ };
    await this.#signals.publish(workerBuildDomain, "status", { primary_uid: taskId, ...report, proof: proofFromHash(this.#key, statusProofText(report)) });
  }

  /** The broker node this agent's connection is on, "host:port". */
  get node(): string {
    return this.#bus.node;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const r of this.running.values()) clearTimeout(r.timer);
    this.#agent.close();
    await this.#bus.close();
  }
}
