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
}

export class BenchAgent {
  readonly name: string;
  readonly running = new Map<string, { attempt: number; timer: NodeJS.Timeout | undefined }>();
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
      capabilities: { arches: ["x86_64"] }, slots: () => ({ total: opts.slots, used: a.running.size }),
    });
    a.#agent.method(WORKER_METHODS.hello, { description: "token proof", args: helloArgsSchema, handler: ({ nonce }) => ({ proof: workerProof(token, nonce) }) });
    a.#agent.method(WORKER_METHODS.status, {
      description: "running attempts", args: z.object({}),
      handler: () => ({ tasks: [...a.running].map(([task_id, r]) => ({ task_id, attempt: r.attempt })) }),
    });
    a.#agent.method(WORKER_METHODS.build, {
      description: "waits buildMs, then reports succeeded", args: buildArgsSchema,
      handler: (args) => {
        opts.onBuild?.(args, a);
        if (!a.#closed && !a.running.has(args.task_id)) {
          const entry: { attempt: number; timer: NodeJS.Timeout | undefined } = { attempt: args.attempt, timer: undefined };
          a.running.set(args.task_id, entry);
          entry.timer = setTimeout(() => {
            a.running.delete(args.task_id);
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

  async close(): Promise<void> {
    this.#closed = true;
    for (const r of this.running.values()) clearTimeout(r.timer);
    this.#agent.close();
    await this.#bus.close();
  }
}
