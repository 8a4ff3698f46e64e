/**
 * Task (one chroot of a build) states, as Copr names them, and the moves
 * between them. Only Headhunter applies transitions. `publishing`: the
 * builder is done and its packages are uploaded; they are being signed and
 * added to the repository, and the task is `succeeded` once they are.
 */
export const TASK_STATES = ["pending", "starting", "running", "publishing", "succeeded", "failed", "canceled", "skipped"] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const FINAL_STATES: ReadonlySet<TaskState> = new Set(["succeeded", "failed", "canceled", "skipped"]);

export function isFinal(state: TaskState): boolean {
  return FINAL_STATES.has(state);
}

/** Allowed moves. pending ← starting/running is a retry on another host. */
const TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = {
  pending: ["starting", "canceled", "failed", "skipped"],
  starting: ["running", "pending", "publishing", "failed", "canceled"],
  running: ["publishing", "failed", "canceled", "pending"],
  // Nothing runs any more: the result is published (or could not be signed), not canceled.
  publishing: ["succeeded", "failed"],
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
 * runs, publishing while any is being published, pending while any waits,
 * then failed if any failed, canceled if any was canceled, skipped if all
 * were skipped, else succeeded.
 */
export function deriveBuildState(tasks: readonly TaskState[]): TaskState {
  if (tasks.length === 0) return "pending";
  if (tasks.some((s) => s === "running" || s === "starting")) return "running";
  if (tasks.includes("publishing")) return "publishing";
  if (tasks.some((s) => s === "pending")) return "pending";
  if (tasks.includes("failed")) return "failed";
  if (tasks.includes("canceled")) return "canceled";
  if (tasks.every((s) => s === "skipped")) return "skipped";
  return "succeeded";
}

/** Copr's numeric status codes, used in the Copr-compatible bus topics (Copr has no publishing: it is still running there). */
export const COPR_STATUS: Readonly<Record<TaskState, number>> = {
  failed: 0,
  succeeded: 1,
  canceled: 2,
  running: 3,
  publishing: 3,
  pending: 4,
  skipped: 5,
  starting: 6,
};

/** A task is retried on another host at most this many times, then failed with the reason. */
export const MAX_HOSTS_PER_TASK = 3;

/** The state as Copr's clients know it: Copr has no `publishing`, its builds are `running` until published. */
export function coprStateName(state: TaskState): Exclude<TaskState, "publishing"> {
  return state === "publishing" ? "running" : state;
}
