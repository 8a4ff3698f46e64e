import { useState } from "react";
import { useSession } from "./ApiContext.ts";
import { ErrorMessage } from "./ErrorMessage.tsx";
import { HistoryChart } from "./HistoryChart.tsx";
import { StatusCounts } from "./StatusCounts.tsx";
import { StatusTaskList, type StatusBucket, type StatusDim } from "./StatusTaskList.tsx";
import { useQuery } from "./useQuery.ts";

const DIMS: StatusDim[] = ["owner", "arch", "chroot"];

/** The queue: pending and running tasks grouped by owner, arch and chroot, with a task list per group. */
export function StatusPage() {
  const { api } = useSession();
  const summary = useQuery("summary", () => api.status.summary.query());
  const history = useQuery("history", () => api.status.history.query());
  const [open, setOpen] = useState<{ bucket: StatusBucket; dim: StatusDim; value: string } | null>(null);
  const counts = summary.data;
  return (
    <>
      <h1>Build queue</h1>
      <ErrorMessage error={summary.error} />
      {counts !== undefined && (
        <>
          <p>
            <strong>{counts.pending.total}</strong> pending, <strong>{counts.running.total}</strong> running.{" "}
            <button type="button" onClick={() => { summary.reload(); history.reload(); }}>
              Refresh
            </button>
          </p>
          {history.data !== undefined && <HistoryChart points={history.data} />}
          <div className="columns">
            {DIMS.map((dim) => (
              <StatusCounts key={dim} summary={counts} dim={dim} onOpen={(bucket, value) => setOpen({ bucket, dim, value })} />
            ))}
          </div>
        </>
      )}
      {open !== null && <StatusTaskList key={`${open.bucket}:${open.dim}:${open.value}`} {...open} />}
    </>
  );
}
