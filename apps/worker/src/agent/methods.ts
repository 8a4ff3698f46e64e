import { z } from "zod";
import type { Agent } from "@copr/bus";
import {
  WORKER_METHODS, buildArgsSchema, cancelArgsSchema, helloArgsSchema, workerProof,
} from "@copr/domain";
import type { BuildRunner } from "../build/buildRunner.ts";
import type { RepoMethods } from "./repoMethods.ts";
import type { SignMethods } from "./signMethods.ts";
import { EpochFence } from "./epochFence.ts";

export interface WorkerState {
  token: string;
  /** Broker users that may start and cancel builds, regenerate repositories and sign (Headhunter's). */
  dispatchers: readonly string[];
  startedAt: number;
  runner: BuildRunner;
  repo: RepoMethods | undefined;
  signer: SignMethods | undefined;
}

/** The worker's bus methods. */
export function registerMethods(agent: Agent, state: WorkerState): void {
  const fence = new EpochFence();
  agent.method(WORKER_METHODS.hello, {
    description: "Proves this worker holds its token (HMAC over the nonce; the token never crosses the bus).",
    args: helloArgsSchema,
    handler: ({ nonce }) => ({ proof: workerProof(state.token, nonce) }),
  });
  agent.method("ping", {
    description: "Answers at once.",
    args: z.object({ sent_at: z.number().optional() }),
    handler: ({ sent_at }) => ({ pong: true, agent: agent.name, epoch: agent.epoch, sent_at: sent_at ?? null, at: Date.now() }),
  });
  agent.method(WORKER_METHODS.status, {
    description: "What this worker runs now: its tasks, slots and uptime; and the attempts that ended lately, with their final state.",
    args: z.object({}),
    handler: () => ({
      agent: agent.name,
      epoch: agent.epoch,
      uptime_s: Math.round((Date.now() - state.startedAt) / 1000),
      arches: state.runner.arches,
      slots: state.runner.slots,
      tasks: state.runner.list(),
      ended: state.runner.ended(),
    }),
  });
  agent.method(WORKER_METHODS.build, {
    description: "Starts building a task attempt on a builder host; answers once it is accepted. Idempotent on task id + attempt.",
    args: buildArgsSchema,
    callers: state.dispatchers,
    handler: (args) => {
      fence.check(args.headhunter_epoch);
      return state.runner.start(args);
    },
  });
  agent.method(WORKER_METHODS.cancel, {
    description: "Stops a running build's whole process group (INT, TERM, KILL); the build then reports canceled.",
    args: cancelArgsSchema,
    callers: state.dispatchers,
    handler: async ({ task_id, attempt, headhunter_epoch }) => {
      fence.check(headhunter_epoch);
      return { canceled: await state.runner.cancel(task_id, attempt) };
    },
  });
  state.repo?.register(agent, state.dispatchers);
  state.signer?.register(agent, state.dispatchers);
}
