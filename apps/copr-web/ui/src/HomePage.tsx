import { useSession } from "./ApiContext.ts";
import { BuildTable, Pager } from "./BuildTable.tsx";
import { ErrorMessage } from "./ErrorMessage.tsx";
import { Link } from "./Link.tsx";
import { QueueSummary } from "./QueueSummary.tsx";
import { useActivity } from "./useActivity.ts";
import { useBuildPages } from "./useBuildPages.ts";
import { useQuery } from "./useQuery.ts";

/** Recent builds with live state, the queue at a glance, and where to go next. */
export function HomePage() {
  const { api } = useSession();
  const builds = useBuildPages("builds", (page) => api.builds.list.query(page));
  const summary = useQuery("summary", () => api.status.summary.query());
  // New builds and every state change arrive as activity: read the list and the queue again.
  useActivity(() => {
    builds.reload();
    summary.reload();
  });
  return (
    <>
      <h1>Recent builds</h1>
      <p>
        Browse <Link href="/projects">projects</Link>, see the <Link href="/builders">builders</Link> and the{" "}
        <Link href="/status">build queue</Link>.{" "}
        <button type="button" onClick={() => { builds.reload(); summary.reload(); }}>
          Refresh
        </button>
      </p>
      {summary.data !== undefined && <QueueSummary summary={summary.data} />}
      <ErrorMessage error={summary.error} />
      <section aria-labelledby="builds-heading">
        <h2 id="builds-heading">Builds</h2>
        <ErrorMessage error={builds.error} />
        {builds.data === undefined ? (
          builds.error === null && <p>Loading…</p>
        ) : (
          <BuildTable builds={builds.data} caption={builds.page === 1 ? `The ${builds.pageSize} newest builds` : `Older builds, page ${builds.page}`} />
        )}
        <Pager page={builds.page} newer={builds.newer} older={builds.older} />
      </section>
    </>
  );
}
