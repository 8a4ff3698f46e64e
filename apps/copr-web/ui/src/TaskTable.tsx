import type { Task } from "./api.ts";
import { formatDuration, formatTime, isoTime, taskDuration } from "./format.ts";
import { StateBadge } from "./StateBadge.tsx";

/** Per-chroot state of a build with its times, worker and builder host. */
export function TaskTable({ tasks, now }: { tasks: readonly Task[]; now: number }) {
  return (
    <table className="tasks">
      <caption>Chroots</caption>
      <thead>
        <tr>
          <th scope="col">Chroot</th>
          <th scope="col">State</th>
          <th scope="col">Queued</th>
          <th scope="col">Started</th>
          <th scope="col">Ended</th>
          <th scope="col">Duration</th>
          <th scope="col">Worker</th>
          <th scope="col">Builder host</th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((t) => (
          <tr key={t.id} data-task={t.id}>
            <th scope="row">{t.chroot}</th>
            <td data-testid={`state-${t.chroot}`}>
              <StateBadge state={t.state} />
              {t.attempt > 0 && <span className="muted"> attempt {t.attempt + 1}</span>}
              {t.state === "pending" && t.wait !== undefined && <div className="reason" data-testid={`wait-${t.chroot}`}>{t.wait}</div>}
              {t.reason !== null && <div className="reason">{t.reason}</div>}
            </td>
            <td>
              <time dateTime={isoTime(t.queuedAt)}>{formatTime(t.queuedAt)}</time>
            </td>
            <td>
              <time dateTime={isoTime(t.startedAt)}>{formatTime(t.startedAt)}</time>
            </td>
            <td>
              <time dateTime={isoTime(t.endedAt)}>{formatTime(t.endedAt)}</time>
            </td>
            <td>{formatDuration(taskDuration(t.startedAt, t.endedAt, now))}</td>
            <td>
              {t.agent ?? "—"}
              {t.hosts.length > 1 && <div className="muted">tried: {t.hosts.join(", ")}</div>}
            </td>
            <td>{t.builder ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
