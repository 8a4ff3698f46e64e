import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Builds a source (`-bs`) or binary (`-bb`) RPM from spec text with the real
 * rpmbuild in a fresh topdir; returns the package's path.
 */
export async function rpmbuild(spec: string, mode: "-bs" | "-bb" = "-bs"): Promise<string> {
  const top = await mkdtemp(join(tmpdir(), "copr-rpmbuild-"));
  for (const d of ["SPECS", "SOURCES", "BUILD", "RPMS", "SRPMS"]) await mkdir(join(top, d), { recursive: true });
  const specPath = join(top, "SPECS", "pkg.spec");
  await writeFile(specPath, spec);
  await run("rpmbuild", ["--define", `_topdir ${top}`, mode, specPath], { timeout: 60_000 });
  const dir = mode === "-bs" ? join(top, "SRPMS") : join(top, "RPMS", "noarch");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".rpm"));
  if (files[0] === undefined) throw new Error(`rpmbuild ${mode} produced nothing in ${dir}`);
  return join(dir, files[0]);
}
