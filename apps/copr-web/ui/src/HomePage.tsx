import { useEffect } from "react";
import { useSession } from "./ApiContext.ts";
import { BuildTable } from "./BuildTable.tsx";
import { ErrorMessage } from "./ErrorMessage.tsx";
import { Link } from "./Link.tsx";
import { QueueSummary } from "./QueueSummary.tsx";
import { useBuildsWatch } from "./useBuildsWatch.ts";
import { useQuery } from "./useQuery.ts";

/** Recent builds with live state, the queue at a glance, and where to go next. */
export function HomePage() {
  const { api } = useSession();
  const builds = useQuery("builds", () => api.builds.list.query({ limit: 25 }));
  const summary = useQuery("summary", () => api.status.summary.query());
  const active = (builds.data ?? []).filter((b) => b.state === "pending" || b.state === "running").map((b) => b.build.id);
  useBuildsWatch(active, () => {
    builds.reload();
    summary.reload();
  });
  // New builds have no event of their own: look again when the tab comes back.
  useEffect(() => {
    const again = (): void => {
      if (document.visibilityState !== "visible") return;
      builds.reload();
      summary.reload();
    };
    document.addEventListener("visibilitychange", again);
    return () => document.removeEventListener("visibilitychange", again);
  }, [builds.reload, summary.reload]);
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
        {builds.data === undefined ? builds.error === null && <p>Loading…</p> : <BuildTable builds={builds.data} caption="The 25 newest builds" />}
      </section>
    </>
  );
}
