/**
 * Task (one chroot of a build) states, as Copr names them, and the moves
 * between them. Only Headhunter applies transitions.
 */
export const TASK_STATES = ["pending", "starting", "running", "succeeded", "failed", "canceled", "skipped"] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const FINAL_STATES: ReadonlySet<TaskState> = new Set(["succeeded", "failed", "canceled", "skipped"]);

export function isFinal(state: TaskState): boolean {
  return FINAL_STATES.has(state);
}

/** Allowed moves. pending ← starting/running is a retry on another host. */
const TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = {
  pending: ["starting", "canceled", "failed", "skipped"],
  starting: ["running", "pending", "succeeded", "failed", "canceled"],
  running: ["succeeded", "failed", "canceled", "pending"],
  succeeded: [],
  failed: [],
  canceled: [],
  skipped: [],
};

export function canTransition(from: TaskState, to: TaskState): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * A build's state from its tasks, as Copr derives it: running while any task
 * runs, pending while any waits, then failed if any failed, canceled if any
 * was canceled, skipped if all were skipped, else succeeded.
 */
export function deriveBuildState(tasks: readonly TaskState[]): TaskState {
  if (tasks.length === 0) return "pending";
  if (tasks.some((s) => s === "running" || s === "starting")) return "running";
  if (tasks.some((s) => s === "pending")) return "pending";
  if (tasks.includes("failed")) return "failed";
  if (tasks.includes("canceled")) return "canceled";
  if (tasks.every((s) => s === "skipped")) return "skipped";
  return "succeeded";
}

/** Copr's numeric status codes, used in the Copr-compatible bus topics. */
export const COPR_STATUS: Readonly<Record<TaskState, number>> = {
  failed: 0,
  succeeded: 1,
  canceled: 2,
  running: 3,
  pending: 4,
  skipped: 5,
  starting: 6,
};

/** A task is retried on another host at most this many times, then failed with the reason. */
export const MAX_HOSTS_PER_TASK = 3;
