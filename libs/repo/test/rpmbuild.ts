import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

const run = promisify(execFile);

export interface SpecInfo {
  name: string;
  version: string;
  release: string;
  /** Omitted: no Epoch tag. */
  epoch?: number;
}

export interface BuiltRpm extends SpecInfo {
  /** The noarch binary RPM. */
  binary: string;
  /** The .src.rpm. */
  source: string;
}

/**
 * Builds a tiny noarch package with the real rpmbuild, offline: no sources,
 * no BuildRequires, one data file. Everything stays under `topdir`.
 */
export async function buildRpm(topdir: string, spec: SpecInfo): Promise<BuiltRpm> {
  const specDir = path.join(topdir, "SPECS");
  await mkdir(specDir, { recursive: true });
  const specFile = path.join(specDir, `${spec.name}.spec`);
  await writeFile(
    specFile,
    [
      `Name: ${spec.name}`,
      `Version: ${spec.version}`,
      `Release: ${spec.release}`,
      ...(spec.epoch === undefined ? [] : [`Epoch: ${spec.epoch}`]),
      `Summary: Test package ${spec.name}`,
      "License: MIT",
      "BuildArch: noarch",
      "",
      "%description",
      `Test package ${spec.name} for @copr/repo.`,
      "",
      "%install",
      `mkdir -p %{buildroot}/usr/share/${spec.name}`,
      `echo ${spec.name} > %{buildroot}/usr/share/${spec.name}/data`,
      "",
      "%files",
      `/usr/share/${spec.name}/data`,
      "",
    ].join("\n"),
  );
  // -ba: the binary RPM (-bb) plus the .src.rpm a real build result holds.
  await run("rpmbuild", ["--define", `_topdir ${topdir}`, "--define", "dist %{nil}", "-ba", specFile], { timeout: 60_000 });
  const nvr = `${spec.name}-${spec.version}-${spec.release}`;
  return { ...spec, binary: path.join(topdir, "RPMS", "noarch", `${nvr}.noarch.rpm`), source: path.join(topdir, "SRPMS", `${nvr}.src.rpm`) };
}

/** Copies a build's RPMs into its result directory next to a build log, as a builder would. */
export async function placeResult(dir: string, rpm: BuiltRpm): Promise<void> {
  await mkdir(dir, { recursive: true });
  await copyFile(rpm.binary, path.join(dir, path.basename(rpm.binary)));
  await copyFile(rpm.source, path.join(dir, path.basename(rpm.source)));
  await writeFile(path.join(dir, "builder-live.log.gz"), gzipSync(`build of ${rpm.name} done\n`));
  await writeFile(path.join(dir, "success"), "");
}

export async function sha256(file: string): Promise<string> {
  return createHash("sha256").update(await readFile(file)).digest("hex");
}
