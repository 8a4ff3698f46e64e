import type { StatusSummary } from "./api.ts";
import type { StatusBucket, StatusDim } from "./StatusTaskList.tsx";

const FIELD = { owner: "byOwner", arch: "byArch", chroot: "byChroot" } as const;

/** Pending and running counts per value of one dimension; a count opens that group's task list. */
export function StatusCounts({ summary, dim, onOpen }: { summary: StatusSummary; dim: StatusDim; onOpen: (bucket: StatusBucket, value: string) => void }) {
  const pending = summary.pending[FIELD[dim]];
  const running = summary.running[FIELD[dim]];
  const values = [...new Set([...Object.keys(pending), ...Object.keys(running)])].sort();
  const cell = (bucket: StatusBucket, value: string, n: number) =>
    n === 0 ? (
      <td>0</td>
    ) : (
      <td>
        <button type="button" className="link" onClick={() => onOpen(bucket, value)} aria-label={`${n} ${bucket} tasks of ${dim} ${value}`}>
          {n}
        </button>
      </td>
    );
  return (
    <table className="compact" data-testid={`counts-${dim}`}>
      <caption>By {dim}</caption>
      <thead>
        <tr>
          <th scope="col">{dim}</th>
          <th scope="col">Pending</th>
          <th scope="col">Running</th>
        </tr>
      </thead>
      <tbody>
        {values.length === 0 && (
          <tr>
            <td colSpan={3}>nothing queued or running</td>
          </tr>
        )}
        {values.map((v) => (
          <tr key={v} data-value={v}>
            <th scope="row">{v}</th>
            {cell("pending", v, pending[v] ?? 0)}
            {cell("running", v, running[v] ?? 0)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
