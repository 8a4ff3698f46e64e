import type { Console } from "@copr/bus";
import { WORKER_METHODS, statusResultSchema } from "@copr/domain";

/** What an agent said of a task attempt when asked: it runs it, it ran it lately (its final report is on the way), or neither. */
export type AttemptOnAgent = "running" | "ended" | "unknown";

/**
 * Asks `agent` (its `status` method) about its attempts; the answer tells,
 * per task id and attempt, whether it runs it or ended it lately. Rejects
 * when the agent does not answer within `timeoutMs`.
 */
export async function askAgentAttempts(console: Console, agent: string, timeoutMs: number): Promise<(taskId: string, attempt: number) => AttemptOnAgent> {
  const status = statusResultSchema.parse(await console.call(agent, WORKER_METHODS.status, {}, { timeoutMs }));
  const running = new Set(status.tasks.map((t) => `${t.task_id}@${t.attempt}`));
  const ended = new Set((status.ended ?? []).map((t) => `${t.task_id}@${t.attempt}`));
  return (taskId, attempt) => {
    const key = `${taskId}@${attempt}`;
    return running.has(key) ? "running" : ended.has(key) ? "ended" : "unknown";
  };
}
