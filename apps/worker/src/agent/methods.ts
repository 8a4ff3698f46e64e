import { z } from "zod";
import type { Agent } from "@copr/bus";
import { WORKER_METHODS, helloArgsSchema, workerProof } from "@copr/domain";

export interface WorkerState {
  token: string;
  startedAt: number;
  arches: readonly string[];
  slots: number;
}

/** Methods every worker serves before any build method exists. */
export function registerBaseMethods(agent: Agent, state: WorkerState): void {
  agent.method(WORKER_METHODS.hello, {
    description: "Proves this worker holds its token (HMAC over the nonce; the token never crosses the bus).",
    args: helloArgsSchema,
    handler: ({ nonce }) => ({ proof: workerProof(state.token, nonce) }),
  });
  agent.method("ping", {
    description: "Answers at once; consoles use it to check an agent before giving it work.",
    args: z.object({ sent_at: z.number().optional() }),
    handler: ({ sent_at }) => ({ pong: true, agent: agent.name, epoch: agent.epoch, sent_at: sent_at ?? null, at: Date.now() }),
  });
  agent.method("status", {
    description: "What this worker runs now: its tasks, slots and uptime.",
    args: z.object({}),
    handler: () => ({
      agent: agent.name,
      epoch: agent.epoch,
      uptime_s: Math.round((Date.now() - state.startedAt) / 1000),
      arches: state.arches,
      slots: { total: state.slots, used: 0 },
      tasks: [],
    }),
  });
}
