import type { Task } from "./types.ts";

/** Task fields as the task hash keeps them: each value JSON. */
export function taskToHash(t: Partial<Task>): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(t)) {
    if (v === undefined) continue;
    h[k] = JSON.stringify(v);
  }
  return h;
}

export function taskFromHash(h: Record<string, string>): Task {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) o[k] = JSON.parse(v) as unknown;
  return o as unknown as Task;
}

/** Task ids are `<build id>-<chroot>`. */
export function buildIdOf(taskId: string): number {
  return Number(taskId.slice(0, taskId.indexOf("-")));
}
