import { useEffect } from "react";
import { useSession } from "./ApiContext.ts";
import { BuildActions } from "./BuildActions.tsx";
import { ErrorMessage } from "./ErrorMessage.tsx";
import { formatDuration, formatTime, isoTime } from "./format.ts";
import { Link } from "./Link.tsx";
import { ResultFiles } from "./ResultFiles.tsx";
import { paths } from "./route.ts";
import { StateBadge } from "./StateBadge.tsx";
import { TaskLog } from "./TaskLog.tsx";
import { TaskTable } from "./TaskTable.tsx";
import { useBuildWatch } from "./useBuildWatch.ts";
import { useNow } from "./useNow.ts";
import { useQuery } from "./useQuery.ts";

const ENDED = new Set(["succeeded", "failed", "canceled"]);

/** One build: per-chroot state and times, the live log, results and actions. */
export function BuildPage({ id }: { id: number }) {
  const { api } = useSession();
  const view = useQuery(`build:${id}`, () => api.builds.get.query({ id }));
  const watch = useBuildWatch(id);
  const { reload } = view;
  // A task moved: fetch the build again for its new state, times and worker.
  useEffect(() => {
    if (watch.changes > 0) reload();
  }, [watch.changes, reload]);
  const running = view.data?.state === "running" || view.data?.state === "pending" || view.data?.state === "publishing";
  const now = useNow(running);
  if (view.data === undefined) {
    return (
      <>
        <h1>Build {id}</h1>
        <ErrorMessage error={view.error} />
        {view.error === null && <p>Loading…</p>}
      </>
    );
  }
  const { build, tasks, state } = view.data;
  return (
    <>
      <h1>
        Build {build.id} <StateBadge state={state} />
      </h1>
      <p>
        <strong>
          {build.srpm.name}-{build.srpm.version}-{build.srpm.release}
        </strong>{" "}
        in <Link href={paths.project(build.owner, build.project)}>{build.owner}/{build.project}</Link>, submitted by {build.submittedBy} at{" "}
        <time dateTime={isoTime(build.submittedAt)}>{formatTime(build.submittedAt)}</time>
        {build.timeoutS === undefined ? "" : `; each chroot may build for ${formatDuration(build.timeoutS * 1000)}`}.{" "}
        <span className="muted" data-testid="live">
          {watch.connection === "live" ? "following live" : watch.connection === "connecting" ? "connecting…" : watch.connection === "ended" ? "" : `live updates stopped: ${watch.error ?? ""}`}
        </span>
      </p>
      <ErrorMessage error={view.error} />
      <TaskTable tasks={tasks} now={now} />
      <BuildActions view={view.data} />
      {tasks.some((t) => ENDED.has(t.state)) && (
        <section aria-labelledby="results-heading">
          <h2 id="results-heading">Downloads</h2>
          {tasks.filter((t) => ENDED.has(t.state)).map((t) => (
            <ResultFiles key={t.id} build={build} task={t} />
          ))}
        </section>
      )}
      <section aria-labelledby="logs-heading">
        <h2 id="logs-heading">Live logs</h2>
        {tasks.filter((t) => t.state !== "skipped").map((t) => (
          <TaskLog key={t.id} task={t} lines={watch.logs[t.id] ?? []} />
        ))}
      </section>
    </>
  );
}
