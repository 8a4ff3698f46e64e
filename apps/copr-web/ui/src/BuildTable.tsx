import type { BuildView } from "./api.ts";
import { formatTime, isoTime } from "./format.ts";
import { Link } from "./Link.tsx";
import { paths } from "./route.ts";
import { StateBadge } from "./StateBadge.tsx";

/** Builds, newest first: id, project, package, chroots and state. */
export function BuildTable({ builds, caption }: { builds: readonly BuildView[]; caption: string }) {
  if (builds.length === 0) return <p>No builds yet.</p>;
  return (
    <table className="builds">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Build</th>
          <th scope="col">Project</th>
          <th scope="col">Package</th>
          <th scope="col">Chroots</th>
          <th scope="col">Submitted</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {builds.map(({ build, tasks, state }) => (
          <tr key={build.id} data-build={build.id}>
            <td>
              <Link href={paths.build(build.id)}>{build.id}</Link>
            </td>
            <td>
              <Link href={paths.project(build.owner, build.project)}>
                {build.owner}/{build.project}
              </Link>
            </td>
            <td>
              {build.srpm.name}-{build.srpm.version}-{build.srpm.release}
            </td>
            <td>
              <ul className="inline">
                {tasks.map((t) => (
                  <li key={t.id} title={t.chroot}>
                    {t.chroot} <StateBadge state={t.state} />
                  </li>
                ))}
              </ul>
            </td>
            <td>
              <time dateTime={isoTime(build.submittedAt)}>{formatTime(build.submittedAt)}</time>
            </td>
            <td>
              <StateBadge state={state} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Newer / older buttons under a paged build table. */
export function Pager({ page, newer, older }: { page: number; newer: (() => void) | undefined; older: (() => void) | undefined }) {
  if (newer === undefined && older === undefined) return null;
  return (
    <p className="pager">
      <button type="button" onClick={newer} disabled={newer === undefined}>
        ← Newer builds
      </button>{" "}
      <span className="muted">page {page}</span>{" "}
      <button type="button" onClick={older} disabled={older === undefined}>
        Older builds →
      </button>
    </p>
  );
}
