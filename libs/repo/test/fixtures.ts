import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { onTestFinished } from "vitest";

/** A fresh directory under the OS temp dir, removed when the current test finishes. */
export async function tempDir(prefix = "copr-repo-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface FakePackage {
  name: string;
  arch: string;
  epoch?: string;
  ver: string;
  rel: string;
  href: string;
  checksum?: string;
}

const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");

/** Primary metadata shaped like createrepo_c's, with the nested elements a parser must skip. */
export function primaryXml(packages: readonly FakePackage[], declared: number = packages.length): string {
  const body = packages.map((p) => {
    const epoch = p.epoch === undefined ? "" : ` epoch="${escape(p.epoch)}"`;
    return `<package type="rpm">
  <name>${escape(p.name)}</name>
  <arch>${escape(p.arch)}</arch>
  <version${epoch} ver="${escape(p.ver)}" rel="${escape(p.rel)}"/>
  <checksum type="sha256" pkgid="YES">${p.checksum ?? "ab".repeat(32)}</checksum>
  <summary>A &lt;summary&gt; &amp; more</summary>
  <description><![CDATA[<name>not-a-name</name>]]></description>
  <location href="${escape(p.href)}"/>
  <format>
    <rpm:license>MIT</rpm:license>
    <rpm:provides>
      <rpm:entry name="${escape(p.name)}-provided" flags="EQ" epoch="9" ver="9" rel="9"/>
    </rpm:provides>
  </format>
</package>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${declared}">
${body.join("\n")}
</metadata>
`;
}

export function repomdXml(records: readonly { type: string; href: string; base?: string }[]): string {
  const data = records.map(
    (r) => `  <data type="${r.type}">
    <checksum type="sha256">00</checksum>
    <location${r.base === undefined ? "" : ` xml:base="${escape(r.base)}"`} href="${escape(r.href)}"/>
    <timestamp>1</timestamp>
  </data>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1</revision>
${data.join("\n")}
</repomd>
`;
}

/** Writes `repodata/repomd.xml` and a gzipped primary file (or the given raw primary bytes). */
export async function writeRepodata(
  dir: string,
  primary: string | Buffer,
  options: { primaryName?: string; gzip?: boolean; extraRecords?: { type: string; href: string; base?: string }[] } = {},
): Promise<string> {
  const name = options.primaryName ?? "0123-primary.xml.gz";
  await mkdir(path.join(dir, "repodata"), { recursive: true });
  const bytes = typeof primary === "string" && (options.gzip ?? name.endsWith(".gz")) ? gzipSync(primary) : primary;
  await writeFile(path.join(dir, "repodata", name), bytes);
  const records = [{ type: "primary", href: `repodata/${name}` }, ...(options.extraRecords ?? [])];
  await writeFile(path.join(dir, "repodata", "repomd.xml"), repomdXml(records));
  return path.join(dir, "repodata", name);
}
