import { useDeferredValue, useState } from "react";
import { useSession } from "./ApiContext.ts";
import { ErrorMessage } from "./ErrorMessage.tsx";
import { Link } from "./Link.tsx";
import { NewProjectForm } from "./NewProjectForm.tsx";
import { paths } from "./route.ts";
import { useQuery } from "./useQuery.ts";

/** Projects, searched on the server by a prefix of owner, project or package name. */
export function ProjectsPage() {
  const { api } = useSession();
  const [search, setSearch] = useState("");
  const q = useDeferredValue(search.trim());
  const projects = useQuery(`projects?q=${q}`, () => api.projects.list.query({ q, limit: 200 }));
  return (
    <>
      <h1>Projects</h1>
      <NewProjectForm />
      <search>
        <label htmlFor="project-search">Search by owner, project or package</label>{" "}
        <input id="project-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </search>
      <ErrorMessage error={projects.error} />
      {projects.data === undefined ? (
        projects.error === null && <p>Loading…</p>
      ) : projects.data.length === 0 ? (
        <p>No project matches.</p>
      ) : (
        <table>
          <caption>
            {projects.data.length === 200 ? "the first 200 projects" : `${projects.data.length} project${projects.data.length === 1 ? "" : "s"}`}
            {q === "" ? "" : ` matching “${q}”`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Chroots</th>
              <th scope="col">Packages</th>
            </tr>
          </thead>
          <tbody>
            {projects.data.map((p) => (
              <tr key={`${p.owner}/${p.name}`}>
                <td>
                  <Link href={paths.project(p.owner, p.name)}>
                    {p.owner}/{p.name}
                  </Link>
                </td>
                <td>{p.chroots.join(", ")}</td>
                <td>{[...p.packages].sort().join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
