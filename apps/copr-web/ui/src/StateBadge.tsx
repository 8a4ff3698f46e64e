import type { TaskState } from "./api.ts";

/** A task or build state, coloured by class; the text is the state itself. */
export function StateBadge({ state }: { state: TaskState | "online" | "draining" | "lost" }) {
  return <span className={`state state-${state}`}>{state}</span>;
}
