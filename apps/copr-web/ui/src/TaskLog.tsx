import { useLayoutEffect, useRef } from "react";
import type { Task } from "./api.ts";
import type { LogLine } from "./useBuildWatch.ts";

/**
 * The live log of one chroot. While the reader is at the bottom it follows
 * new lines; scrolling up stops following until they scroll back down.
 */
export function TaskLog({ task, lines }: { task: Task; lines: readonly LogLine[] }) {
  const ref = useRef<HTMLPreElement>(null);
  const atBottom = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el !== null && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  const onScroll = (): void => {
    const el = ref.current;
    if (el !== null) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };
  return (
    <section aria-labelledby={`log-${task.id}`} className="log">
      <h3 id={`log-${task.id}`}>
        Log: {task.chroot} <span className="muted">({lines.length} lines)</span>
      </h3>
      <pre ref={ref} onScroll={onScroll} tabIndex={0} data-testid={`log-${task.chroot}`} aria-live="off">
        {lines.length === 0 ? <span className="muted">{emptyText(task)}</span> : null}
        {lines.map((l, i) => {
          // A retry on another host starts a new attempt: mark where.
          const header = l.attempt !== (i === 0 ? 0 : (lines[i - 1]?.attempt ?? 0));
          return (
            <span key={i}>
              {header && <span className="attempt">{`--- attempt ${l.attempt + 1} ---\n`}</span>}
              {l.text}
              {"\n"}
            </span>
          );
        })}
      </pre>
    </section>
  );
}

const ENDED = new Set(["succeeded", "failed", "canceled", "skipped"]);

/** What an empty log says: waiting, not started, or (ended) where the log went. */
function emptyText(task: Task): string {
  if (task.state === "pending") return "waiting for a worker…";
  if (ENDED.has(task.state)) return task.startedAt === null ? "no log: it never ran" : "the live log is no longer kept; it is in builder-live.log.gz under Results";
  return "no output yet";
}
