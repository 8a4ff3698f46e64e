import type { SaxesTagNS } from "saxes";
import { primaryMetadataPath } from "./repomd.ts";
import { RepoError } from "./repoErrors.ts";
import { parseXmlFile } from "./xmlFile.ts";

/** Namespace of the primary metadata (`<metadata>`, `<package>` and its plain children). */
export const COMMON_NS = "http://linux.duke.edu/metadata/common";

/** One package of a repository's primary metadata. */
export interface PackageEntry {
  name: string;
  /** e.g. `noarch`, `x86_64`, or `src` for source RPMs. */
  arch: string;
  /** 0 when the package has no epoch. */
  epoch: number;
  version: string;
  release: string;
  /** `<location href>`: the RPM's path relative to the repository directory, e.g. `00000042-hello/hello-1.0-1.noarch.rpm`. */
  location: string;
  /** Checksum of the whole RPM file; `type` is e.g. `sha256`, `value` lower-case hex. */
  checksum: { type: string; value: string };
}

/** `name-[epoch:]version-release.arch`, the epoch left out when it is 0 (as rpm prints it). */
export function formatNevra(p: Pick<PackageEntry, "name" | "epoch" | "version" | "release" | "arch">): string {
  return `${p.name}-${p.epoch === 0 ? "" : `${p.epoch}:`}${p.version}-${p.release}.${p.arch}`;
}

/**
 * Lists the packages of the repository in `chrootDir` (reads
 * `repodata/repomd.xml`, then streams the gzipped primary metadata it names).
 * Entries come in file order. Throws RepoError METADATA_NOT_FOUND when the
 * directory was never published, METADATA_INVALID when the metadata is
 * malformed, truncated, or its package count disagrees with its contents.
 */
export async function readPrimary(chrootDir: string): Promise<PackageEntry[]> {
  const file = await primaryMetadataPath(chrootDir);
  const visitor = new PrimaryVisitor(file, false);
  await parseXmlFile(file, visitor);
  if (visitor.declaredCount !== undefined && visitor.declaredCount !== visitor.packages.length) {
    throw new RepoError("METADATA_INVALID", `${file}: declares ${visitor.declaredCount} packages but lists ${visitor.packages.length}`);
  }
  return visitor.packages;
}

/**
 * The number of packages the primary metadata declares (`<metadata packages="N">`),
 * read from the start of the file without parsing the rest.
 */
export async function readPrimaryPackageCount(chrootDir: string): Promise<number> {
  const file = await primaryMetadataPath(chrootDir);
  const visitor = new PrimaryVisitor(file, true);
  await parseXmlFile(file, visitor);
  if (visitor.declaredCount === undefined) {
    throw new RepoError("METADATA_INVALID", `${file}: <metadata> has no packages attribute`);
  }
  return visitor.declaredCount;
}

type TextField = "name" | "arch" | "checksum";

interface PackageDraft {
  name?: string;
  arch?: string;
  epoch?: string;
  version?: string;
  release?: string;
  location?: string;
  checksumType?: string;
  checksum?: string;
}

/** Depth 1 `<metadata>`, depth 2 `<package>`, depth 3 the fields we read. */
class PrimaryVisitor {
  readonly packages: PackageEntry[] = [];
  declaredCount: number | undefined;
  done = false;
  private depth = 0;
  private current: PackageDraft | undefined;
  private capturing: TextField | undefined;
  private buffer = "";

  constructor(
    private readonly file: string,
    private readonly headerOnly: boolean,
  ) {}

  openTag(tag: SaxesTagNS): void {
    this.depth += 1;
    const ours = tag.uri === COMMON_NS;
    if (this.depth === 1) {
      if (!(ours && tag.local === "metadata")) this.fail(`root element is <${tag.name}>, expected <metadata xmlns="${COMMON_NS}">`);
      const count = tag.attributes["packages"]?.value;
      if (count !== undefined) {
        if (!/^\d+$/.test(count)) this.fail(`<metadata packages="${count}"> is not a count`);
        this.declaredCount = Number(count);
      }
      if (this.headerOnly) this.done = true;
    } else if (this.depth === 2 && ours && tag.local === "package") {
      this.current = {};
    } else if (this.depth === 3 && this.current !== undefined && ours) {
      const attr = (name: string): string | undefined => tag.attributes[name]?.value;
      switch (tag.local) {
        case "name":
        case "arch":
          this.startText(tag.local);
          break;
        case "checksum":
          this.current.checksumType = attr("type");
          this.startText("checksum");
          break;
        case "version":
          this.current.epoch = attr("epoch");
          this.current.version = attr("ver");
          this.current.release = attr("rel");
          break;
        case "location":
          if (attr("xml:base") !== undefined) this.fail(`package location ${attr("href")} has an xml:base; remote packages are not supported`);
          this.current.location = attr("href");
          break;
        default:
          break;
      }
    }
  }

  closeTag(): void {
    if (this.depth === 3 && this.capturing !== undefined && this.current !== undefined) {
      this.current[this.capturing] = this.buffer.trim();
      this.capturing = undefined;
    } else if (this.depth === 2 && this.current !== undefined) {
      this.packages.push(this.finish(this.current));
      this.current = undefined;
    }
    this.depth -= 1;
  }

  text(text: string): void {
    if (this.capturing !== undefined) this.buffer += text;
  }

  private startText(field: TextField): void {
    this.capturing = field;
    this.buffer = "";
  }

  private finish(p: PackageDraft): PackageEntry {
    const where = `package #${this.packages.length + 1}${p.name !== undefined ? ` (${p.name})` : ""}`;
    const required = (value: string | undefined, what: string): string => {
      if (value === undefined || value === "") this.fail(`${where} lacks ${what}`);
      return value;
    };
    const epoch = p.epoch === undefined || p.epoch === "" ? "0" : p.epoch;
    if (!/^\d+$/.test(epoch) || !Number.isSafeInteger(Number(epoch))) this.fail(`${where} has epoch ${JSON.stringify(p.epoch)}`);
    return {
      name: required(p.name, "<name>"),
      arch: required(p.arch, "<arch>"),
      epoch: Number(epoch),
      version: required(p.version, "<version ver>"),
      release: required(p.release, "<version rel>"),
      location: required(p.location, "<location href>"),
      checksum: { type: required(p.checksumType, "<checksum type>"), value: required(p.checksum, "<checksum>") },
    };
  }

  private fail(reason: string): never {
    throw new RepoError("METADATA_INVALID", `${this.file}: ${reason}`);
  }
}
