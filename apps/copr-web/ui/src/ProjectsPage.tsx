import { useMemo, useState } from "react";
import { useSession } from "./ApiContext.ts";
import { ErrorMessage } from "./ErrorMessage.tsx";
import { Link } from "./Link.tsx";
import { paths } from "./route.ts";
import { useQuery } from "./useQuery.ts";

/** All projects, searchable by owner, project or package name (filtered here, in the page). */
export function ProjectsPage() {
  const { api } = useSession();
  const projects = useQuery("projects", () => api.projects.list.query());
  // Package names come from recent builds: the API has no package index yet.
  const builds = useQuery("builds-200", () => api.builds.list.query({ limit: 200 }));
  const [search, setSearch] = useState("");
  const packages = useMemo(() => {
    const m = new Map<string, Set<string>>();
    for (const { build } of builds.data ?? []) {
      const k = `${build.owner}/${build.project}`;
      m.set(k, (m.get(k) ?? new Set<string>()).add(build.srpm.name));
    }
    return m;
  }, [builds.data]);
  const q = search.trim().toLowerCase();
  const shown = (projects.data ?? []).filter((p) => {
    if (q === "") return true;
    const pkgs = [...(packages.get(`${p.owner}/${p.name}`) ?? [])];
    return [p.owner, p.name, `${p.owner}/${p.name}`, ...pkgs].some((s) => s.toLowerCase().includes(q));
  });
  return (
    <>
      <h1>Projects</h1>
      <search>
        <label htmlFor="project-search">Search by owner, project or package</label>{" "}
        <input id="project-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </search>
      <ErrorMessage error={projects.error} />
      {projects.data === undefined ? (
        projects.error === null && <p>Loading…</p>
      ) : shown.length === 0 ? (
        <p>No project matches.</p>
      ) : (
        <table>
          <caption>
            {shown.length} of {projects.data.length} projects
          </caption>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Chroots</th>
              <th scope="col">Packages</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={`${p.owner}/${p.name}`}>
                <td>
                  <Link href={paths.project(p.owner, p.name)}>
                    {p.owner}/{p.name}
                  </Link>
                </td>
                <td>{p.chroots.join(", ")}</td>
                <td>{[...(packages.get(`${p.owner}/${p.name}`) ?? [])].sort().join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
