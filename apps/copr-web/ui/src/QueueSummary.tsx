import type { StatusSummary } from "./api.ts";
import { Link } from "./Link.tsx";

/** Pending and running tasks per arch, from status.summary. */
export function QueueSummary({ summary }: { summary: StatusSummary }) {
  const arches = [...new Set([...Object.keys(summary.pending.byArch), ...Object.keys(summary.running.byArch)])].sort();
  return (
    <section aria-labelledby="queue-heading">
      <h2 id="queue-heading">Queue</h2>
      <p>
        <strong data-testid="pending-total">{summary.pending.total}</strong> pending, <strong data-testid="running-total">{summary.running.total}</strong> running.{" "}
        <Link href="/status">Details by owner, arch and chroot</Link>
      </p>
      {arches.length > 0 && (
        <table className="compact">
          <caption>Tasks per arch</caption>
          <thead>
            <tr>
              <th scope="col">Arch</th>
              <th scope="col">Pending</th>
              <th scope="col">Running</th>
            </tr>
          </thead>
          <tbody>
            {arches.map((a) => (
              <tr key={a}>
                <th scope="row">{a}</th>
                <td>{summary.pending.byArch[a] ?? 0}</td>
                <td>{summary.running.byArch[a] ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
