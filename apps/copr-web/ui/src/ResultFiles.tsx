import type { Build, Task } from "./api.ts";
import { paths } from "./route.ts";
import { useQuery } from "./useQuery.ts";

/** The files in a result directory, read from its listing; [] when there is none (yet). */
async function listResultDir(url: string): Promise<string[]> {
  const res = await fetch(url);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const doc = new DOMParser().parseFromString(await res.text(), "text/html");
  return [...doc.querySelectorAll("a")].map((a) => a.getAttribute("href") ?? "").filter((h) => h !== "" && !h.endsWith("/")).map((h) => decodeURIComponent(h.slice(h.lastIndexOf("/") + 1)));
}

/** Download links for one chroot's RPMs and logs once it has ended. */
export function ResultFiles({ build, task }: { build: Build; task: Task }) {
  const dir = paths.resultDir(build.owner, build.project, task.chroot, build.id, build.srpm.name);
  const files = useQuery(`${dir}:${task.state}`, () => listResultDir(dir));
  const rpms = (files.data ?? []).filter((f) => f.endsWith(".rpm"));
  const logs = (files.data ?? []).filter((f) => !f.endsWith(".rpm"));
  return (
    <div className="results" data-testid={`results-${task.chroot}`}>
      <h3>Results: {task.chroot}</h3>
      {files.error !== null && <p className="error">{files.error}</p>}
      {files.data !== undefined && files.data.length === 0 && <p>No result files.</p>}
      {files.data !== undefined && files.data.length > 0 && (
        <ul>
          {[...rpms, ...logs].map((f) => (
            <li key={f}>
              <a href={`${dir}${encodeURIComponent(f)}`} download>
                {f}
              </a>
            </li>
          ))}
          <li>
            <a href={dir}>all files</a>
          </li>
        </ul>
      )}
    </div>
  );
}
