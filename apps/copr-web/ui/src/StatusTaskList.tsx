import { useState } from "react";
import { useSession } from "./ApiContext.ts";
import { ErrorMessage } from "./ErrorMessage.tsx";
import { formatTime, isoTime } from "./format.ts";
import { Link } from "./Link.tsx";
import { paths } from "./route.ts";
import { StateBadge } from "./StateBadge.tsx";
import { useQuery } from "./useQuery.ts";

export type StatusDim = "owner" | "arch" | "chroot";
export type StatusBucket = "pending" | "running";

const PAGE = 20;

/** One group's tasks (e.g. pending tasks of owner alice), a page at a time, oldest first. */
export function StatusTaskList({ bucket, dim, value }: { bucket: StatusBucket; dim: StatusDim; value: string }) {
  const { api } = useSession();
  const [offset, setOffset] = useState(0);
  const page = useQuery(`${bucket}:${dim}:${value}:${offset}`, () => api.status.tasks.query({ bucket, group: { dim, value }, offset, limit: PAGE }));
  const total = page.data?.total ?? 0;
  return (
    <section aria-labelledby="group-heading" className="group" data-testid="status-group">
      <h2 id="group-heading">
        {bucket === "pending" ? "Pending" : "Running"} tasks of {dim} {value}
      </h2>
      <ErrorMessage error={page.error} />
      {page.data !== undefined && (
        <>
          <table className="compact">
            <caption>
              {total === 0 ? "none" : `${offset + 1}–${Math.min(offset + PAGE, total)} of ${total}`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">Project</th>
                <th scope="col">Chroot</th>
                <th scope="col">State</th>
                <th scope="col">Queued</th>
                <th scope="col">Worker</th>
              </tr>
            </thead>
            <tbody>
              {page.data.tasks.map((t) => (
                <tr key={t.id}>
                  <td>
                    <Link href={paths.build(t.buildId)}>{t.id}</Link>
                  </td>
                  <td>
                    {t.owner}/{t.project}
                  </td>
                  <td>{t.chroot}</td>
                  <td>
                    <StateBadge state={t.state} />
                    {t.wait !== undefined && <div className="reason">{t.wait}</div>}
                  </td>
                  <td>
                    <time dateTime={isoTime(t.queuedAt)}>{formatTime(t.queuedAt)}</time>
                  </td>
                  <td>{t.agent ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav aria-label="pages" className="pager">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              Previous
            </button>{" "}
            <button type="button" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
              Next
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
