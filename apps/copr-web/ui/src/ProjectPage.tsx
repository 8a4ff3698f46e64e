import { useSession } from "./ApiContext.ts";
import { BuildTable, Pager } from "./BuildTable.tsx";
import { ErrorMessage } from "./ErrorMessage.tsx";
import { InstallInstructions } from "./InstallInstructions.tsx";
import { formatBytes } from "./formatBytes.ts";
import { Link } from "./Link.tsx";
import { NewBuildForm } from "./NewBuildForm.tsx";
import { DeleteProjectButton } from "./DeleteProjectButton.tsx";
import { paths } from "./route.ts";
import { StateBadge } from "./StateBadge.tsx";
import { useBuildsWatch } from "./useBuildsWatch.ts";
import { useBuildPages } from "./useBuildPages.ts";
import { useQuery } from "./useQuery.ts";

/** One project: chroots, packages (newest build of each), builds and dnf instructions. */
export function ProjectPage({ owner, name }: { owner: string; name: string }) {
  const { api } = useSession();
  const project = useQuery(`project:${owner}/${name}`, () => api.projects.get.query({ owner, name }));
  const builds = useBuildPages(`builds:${owner}/${name}`, (page) => api.builds.list.query({ owner, project: name, ...page }));
  const packages = useQuery(`packages:${owner}/${name}`, () => api.projects.packages.query({ owner, name }));
  const { reload: reloadPackages } = packages;
  const active = [...(builds.data ?? []), ...(packages.data ?? []).map((p) => p.newest)]
    .filter((b) => b.state === "pending" || b.state === "running" || b.state === "publishing")
    .map((b) => b.build.id);
  useBuildsWatch([...new Set(active)], () => {
    builds.reload();
    reloadPackages();
  });
  const newest = new Map((packages.data ?? []).map((p) => [p.name, p.newest]));
  return (
    <>
      <h1>
        {owner}/{name}
      </h1>
      <ErrorMessage error={project.error} />
      {project.data !== undefined && (
        <>
          {project.data.description !== undefined && <p data-testid="project-description">{project.data.description}</p>}
          <p className="muted" data-testid="project-disk">
            Disk used by build results: {formatBytes(project.data.diskBytes ?? 0)}
          </p>
          <NewBuildForm project={project.data} />
          <section aria-labelledby="chroots-heading">
            <h2 id="chroots-heading">Chroots</h2>
            <ul>
              {project.data.chroots.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="packages-heading">
            <h2 id="packages-heading">Packages</h2>
            {newest.size === 0 ? (
              <p>No packages built yet.</p>
            ) : (
              <table className="compact">
                <thead>
                  <tr>
                    <th scope="col">Package</th>
                    <th scope="col">Newest build</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {[...newest.entries()].map(([pkg, b]) => (
                    <tr key={pkg}>
                      <th scope="row">{pkg}</th>
                      <td>
                        <Link href={paths.build(b.build.id)}>
                          {b.build.id}: {b.build.srpm.version}-{b.build.srpm.release}
                        </Link>
                      </td>
                      <td>
                        <StateBadge state={b.state} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <InstallInstructions owner={owner} project={name} chroots={project.data.chroots} packages={[...newest.keys()]} signingKey={project.data.signingKey} />
          <DeleteProjectButton project={project.data} />
        </>
      )}
      <section aria-labelledby="project-builds-heading">
        <h2 id="project-builds-heading">Builds</h2>
        <ErrorMessage error={builds.error} />
        {builds.data !== undefined && <BuildTable builds={builds.data} caption={builds.page === 1 ? `Newest builds of ${owner}/${name}` : `Older builds of ${owner}/${name}, page ${builds.page}`} />}
        <Pager page={builds.page} newer={builds.newer} older={builds.older} />
      </section>
    </>
  );
}
