import path from "node:path";
import type { SaxesTagNS } from "saxes";
import { isInside } from "./layout.ts";
import { RepoError } from "./repoErrors.ts";
import { parseXmlFile } from "./xmlFile.ts";

/** Namespace of repodata/repomd.xml. */
export const REPO_NS = "http://linux.duke.edu/metadata/repo";

/** One `<data>` record of repomd.xml. */
export interface RepomdRecord {
  /** e.g. `primary`, `filelists`, `other`, `primary_db`. */
  type: string;
  /** `<location href>`, relative to the repository directory (e.g. `repodata/…-primary.xml.gz`). */
  href: string;
  /** `<location xml:base>`, when the metadata lives elsewhere. */
  base: string | undefined;
}

/** Reads `<dir>/repodata/repomd.xml`. Throws RepoError METADATA_NOT_FOUND / METADATA_INVALID. */
export async function readRepomd(dir: string): Promise<RepomdRecord[]> {
  const file = path.join(dir, "repodata", "repomd.xml");
  const records: RepomdRecord[] = [];
  const stack: SaxesTagNS[] = [];
  let current: { type: string; href?: string; base?: string } | undefined;
  await parseXmlFile(file, {
    done: false,
    openTag(tag) {
      stack.push(tag);
      const depth = stack.length;
      if (depth === 1 && !(tag.local === "repomd" && tag.uri === REPO_NS)) {
        throw new RepoError("METADATA_INVALID", `${file}: root element is <${tag.name}>, expected <repomd xmlns="${REPO_NS}">`);
      }
      if (depth === 2 && tag.local === "data" && tag.uri === REPO_NS) {
        current = { type: tag.attributes["type"]?.value ?? "" };
      } else if (depth === 3 && current !== undefined && tag.local === "location" && tag.uri === REPO_NS) {
        current.href = tag.attributes["href"]?.value;
        current.base = tag.attributes["xml:base"]?.value;
      }
    },
    closeTag() {
      if (stack.length === 2 && current !== undefined) {
        if (current.type === "" || current.href === undefined || current.href === "") {
          throw new RepoError("METADATA_INVALID", `${file}: a <data> record lacks its type or <location href>`);
        }
        records.push({ type: current.type, href: current.href, base: current.base });
        current = undefined;
      }
      stack.pop();
    },
    text() {},
  });
  return records;
}

/**
 * The absolute path of the primary metadata file that repomd.xml names.
 * Refuses remote (`xml:base`) locations and paths outside `dir`.
 */
export async function primaryMetadataPath(dir: string): Promise<string> {
  const records = await readRepomd(dir);
  const primary = records.filter((r) => r.type === "primary");
  const record = primary[0];
  if (record === undefined || primary.length > 1) {
    throw new RepoError("METADATA_INVALID", `${dir}/repodata/repomd.xml has ${primary.length} primary records, expected exactly 1`);
  }
  if (record.base !== undefined) {
    throw new RepoError("METADATA_INVALID", `${dir}/repodata/repomd.xml: primary metadata is remote (xml:base=${record.base})`);
  }
  const base = path.resolve(dir);
  const file = path.resolve(base, record.href);
  if (!isInside(base, file)) {
    throw new RepoError("METADATA_INVALID", `${dir}/repodata/repomd.xml: primary location ${JSON.stringify(record.href)} leaves the repository`);
  }
  return file;
}
