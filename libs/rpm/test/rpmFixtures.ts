import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const RPMBUILD = "/usr/bin/rpmbuild";
export const RPM = "/usr/bin/rpm";

/** The spec fields a test varies; everything else is a minimal package with one small file. */
export interface SpecOptions {
  name?: string;
  version?: string;
  release?: string;
  epoch?: number;
  summary?: string;
  exclusiveArch?: string;
  excludeArch?: string;
  buildArch?: string;
}

export function specText(o: SpecOptions): string {
  const name = o.name ?? "hello";
  const lines = [
    `Name: ${name}`,
    `Version: ${o.version ?? "1.0"}`,
    `Release: ${o.release ?? "1"}`,
    o.epoch === undefined ? "" : `Epoch: ${o.epoch}`,
    `Summary: ${o.summary ?? "A test package"}`,
    "License: MIT",
    o.buildArch === undefined ? "" : `BuildArch: ${o.buildArch}`,
    o.exclusiveArch === undefined ? "" : `ExclusiveArch: ${o.exclusiveArch}`,
    o.excludeArch === undefined ? "" : `ExcludeArch: ${o.excludeArch}`,
    "",
    "%description",
    "A package built by the @copr/rpm tests.",
    "",
    "%prep",
    "%build",
    "%install",
    `mkdir -p %{buildroot}/usr/share/${name}`,
    `echo hi > %{buildroot}/usr/share/${name}/hi.txt`,
    "",
    "%files",
    `/usr/share/${name}/hi.txt`,
    "",
  ];
  return lines.filter((l, i) => l !== "" || lines[i - 1] !== "").join("\n");
}

/** A private temp dir per test; `rpmbuild` keeps everything (topdir, tmppath) inside it. */
export class RpmWorkdir {
  private constructor(readonly dir: string) {}

  static async create(): Promise<RpmWorkdir> {
    return new RpmWorkdir(await mkdtemp(join(tmpdir(), "copr-rpm-test-")));
  }

  /** Builds with `rpmbuild -bs` (source) or `-bb` (binary) and returns the path of the one package written. */
  async build(mode: "-bs" | "-bb", spec: SpecOptions = {}): Promise<string> {
    const specPath = join(this.dir, `${spec.name ?? "hello"}-${Math.random().toString(36).slice(2)}.spec`);
    await writeFile(specPath, specText(spec));
    const top = join(this.dir, "rpmbuild");
    const tmp = join(this.dir, "tmp");
    await mkdir(tmp, { recursive: true });
    const { stdout } = await run(
      RPMBUILD,
      ["--define", `_topdir ${top}`, "--define", `_tmppath ${tmp}`, mode, specPath],
      { timeout: 60_000 },
    );
    const written = stdout.split("\n").filter((l) => l.startsWith("Wrote: ")).map((l) => l.slice("Wrote: ".length).trim());
    if (written.length !== 1 || written[0] === undefined) throw new Error(`rpmbuild ${mode} wrote ${JSON.stringify(written)}:\n${stdout}`);
    return written[0];
  }

  /** `rpm -qp --qf <format> <file>`, run with a private database path. */
  async query(file: string, format: string): Promise<string> {
    const { stdout } = await run(RPM, ["--dbpath", join(this.dir, "rpmdb"), "-qp", "--qf", format, file], { timeout: 30_000 });
    return stdout;
  }

  async writeFile(name: string, data: Buffer | string): Promise<string> {
    const path = join(this.dir, name);
    await writeFile(path, data);
    return path;
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Where the parts of an RPM file are, computed independently of the library under test. */
export interface RpmLayout {
  mainStart: number;
  mainIndexCount: number;
  /** Offset of the main header's data store. */
  mainStore: number;
  /** First byte after the main header (where the payload starts). */
  mainEnd: number;
}

export function rpmLayout(file: Buffer): RpmLayout {
  const sigIl = file.readUInt32BE(96 + 8);
  const sigDl = file.readUInt32BE(96 + 12);
  const mainStart = 96 + 16 + 16 * sigIl + sigDl + ((8 - (sigDl % 8)) % 8);
  const mainIndexCount = file.readUInt32BE(mainStart + 8);
  const mainDl = file.readUInt32BE(mainStart + 12);
  const mainStore = mainStart + 16 + 16 * mainIndexCount;
  return { mainStart, mainIndexCount, mainStore, mainEnd: mainStore + mainDl };
}

/** File offset of the index entry of `tag` in the main header. */
export function mainIndexEntry(file: Buffer, layout: RpmLayout, tag: number): number {
  for (let i = 0; i < layout.mainIndexCount; i++) {
    const at = layout.mainStart + 16 + 16 * i;
    if (file.readUInt32BE(at) === tag) return at;
  }
  throw new Error(`tag ${tag} not in the main header`);
}

/** Rewrites the signature's SHA-1 and SHA-256 header digests to match an edited main header (same-length hex). */
export function fixHeaderDigests(file: Buffer): void {
  const layout = rpmLayout(file);
  const main = file.subarray(layout.mainStart, layout.mainEnd);
  const sigIl = file.readUInt32BE(96 + 8);
  const sigStore = 96 + 16 + 16 * sigIl;
  for (let i = 0; i < sigIl; i++) {
    const at = 96 + 16 + 16 * i;
    const tag = file.readUInt32BE(at);
    const algorithm = tag === 269 ? "sha1" : tag === 273 ? "sha256" : undefined;
    if (algorithm === undefined) continue;
    file.write(createHash(algorithm).update(main).digest("hex"), sigStore + file.readUInt32BE(at + 8), "latin1");
  }
}
