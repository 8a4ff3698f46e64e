import { writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { primaryXml, repomdXml, tempDir, writeRepodata, type FakePackage } from "../test/fixtures.ts";
import { formatNevra, readPrimary, readPrimaryPackageCount } from "./primary.ts";
import { readRepomd } from "./repomd.ts";
import { RepoError, type RepoErrorCode } from "./repoErrors.ts";

const hello: FakePackage = { name: "hello", arch: "noarch", ver: "1.0", rel: "1.fc40", href: "00000042-hello/hello-1.0-1.fc40.noarch.rpm" };
const helloSrc: FakePackage = { ...hello, arch: "src", href: "00000042-hello/hello-1.0-1.fc40.src.rpm", checksum: "cd".repeat(32) };
const world: FakePackage = { name: "world", arch: "x86_64", epoch: "2", ver: "2.1", rel: "3", href: "00000043-world/world-2.1-3.x86_64.rpm" };

async function codeOf(promise: Promise<unknown>): Promise<RepoErrorCode | "no error"> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RepoError) return err.code;
    throw err;
  }
  return "no error";
}

describe("readPrimary", () => {
  it("lists every package with NEVRA, location and checksum, in file order", async () => {
    const dir = await tempDir();
    await writeRepodata(dir, primaryXml([hello, helloSrc, world]), { extraRecords: [{ type: "filelists", href: "repodata/f.xml.gz" }] });
    const packages = await readPrimary(dir);
    expect(packages).toEqual([
      { name: "hello", arch: "noarch", epoch: 0, version: "1.0", release: "1.fc40", location: hello.href, checksum: { type: "sha256", value: "ab".repeat(32) } },
      { name: "hello", arch: "src", epoch: 0, version: "1.0", release: "1.fc40", location: helloSrc.href, checksum: { type: "sha256", value: "cd".repeat(32) } },
      { name: "world", arch: "x86_64", epoch: 2, version: "2.1", release: "3", location: world.href, checksum: { type: "sha256", value: "ab".repeat(32) } },
    ]);
    expect(packages.map(formatNevra)).toEqual(["hello-1.0-1.fc40.noarch", "hello-1.0-1.fc40.src", "world-2:2.1-3.x86_64"]);
  });

  it("decodes entities and reads uncompressed primary.xml", async () => {
    const dir = await tempDir();
    await writeRepodata(dir, primaryXml([{ ...hello, name: "a&b", href: "x/a&b-1.rpm" }]), { primaryName: "p-primary.xml" });
    const [entry] = await readPrimary(dir);
    expect(entry?.name).toBe("a&b");
    expect(entry?.location).toBe("x/a&b-1.rpm");
  });

  it("reads an empty repository", async () => {
    const dir = await tempDir();
    await writeRepodata(dir, primaryXml([]));
    expect(await readPrimary(dir)).toEqual([]);
    expect(await readPrimaryPackageCount(dir)).toBe(0);
  });

  it("streams a large primary file split over many chunks", async () => {
    const dir = await tempDir();
    const many = Array.from({ length: 3000 }, (_, i) => ({ ...hello, name: `pkg${i}`, href: `${i}/pkg${i}-1.0-1.noarch.rpm` }));
    await writeRepodata(dir, primaryXml(many));
    const packages = await readPrimary(dir);
    expect(packages).toHaveLength(3000);
    expect(packages[2999]?.name).toBe("pkg2999");
  });

  it("fails with METADATA_NOT_FOUND when the directory was never published", async () => {
    const dir = await tempDir();
    expect(await codeOf(readPrimary(dir))).toBe("METADATA_NOT_FOUND");
    expect(await codeOf(readPrimary(path.join(dir, "missing")))).toBe("METADATA_NOT_FOUND");
  });

  it("fails with METADATA_NOT_FOUND when repomd.xml names a missing primary file", async () => {
    const dir = await tempDir();
    await writeRepodata(dir, primaryXml([hello]));
    await writeFile(path.join(dir, "repodata", "repomd.xml"), repomdXml([{ type: "primary", href: "repodata/gone-primary.xml.gz" }]));
    expect(await codeOf(readPrimary(dir))).toBe("METADATA_NOT_FOUND");
  });

  it.each([
    ["no primary record", [{ type: "filelists", href: "repodata/f.xml.gz" }]],
    ["two primary records", [{ type: "primary", href: "repodata/a.xml.gz" }, { type: "primary", href: "repodata/b.xml.gz" }]],
    ["a location outside the directory", [{ type: "primary", href: "../../etc/primary.xml.gz" }]],
    ["an absolute location", [{ type: "primary", href: "/etc/primary.xml.gz" }]],
    ["a remote location", [{ type: "primary", href: "repodata/p.xml.gz", base: "https://elsewhere.example/" }]],
    ["zstd compression", [{ type: "primary", href: "repodata/p-primary.xml.zst" }]],
  ])("fails with METADATA_INVALID for repomd.xml with %s", async (_what, records) => {
    const dir = await tempDir();
    await writeRepodata(dir, primaryXml([hello]));
    await writeFile(path.join(dir, "repodata", "repomd.xml"), repomdXml(records));
    expect(await codeOf(readPrimary(dir))).toBe("METADATA_INVALID");
  });

  it.each([
    ["malformed XML", primaryXml([hello]).replace("</arch>", "</arc>")],
    ["a wrong root element", primaryXml([hello]).replace(/metadata/g, "other")],
    ["a wrong namespace", primaryXml([hello]).replace("metadata/common", "metadata/nope")],
    ["a package without <name>", primaryXml([hello]).replace(/<name>hello<\/name>/, "")],
    ["a package without location", primaryXml([hello]).replace(/<location[^>]*>/, "")],
    ["a bad epoch", primaryXml([{ ...hello, epoch: "x" }])],
    ["a count that disagrees with the entries", primaryXml([hello], 2)],
    ["truncated XML", primaryXml([hello, world]).slice(0, 400)],
  ])("fails with METADATA_INVALID for primary with %s", async (_what, xml) => {
    const dir = await tempDir();
    await writeRepodata(dir, xml);
    expect(await codeOf(readPrimary(dir))).toBe("METADATA_INVALID");
  });

  it("fails with METADATA_INVALID for corrupt or truncated gzip", async () => {
    const dir = await tempDir();
    const gz = gzipSync(primaryXml([hello, world]));
    await writeRepodata(dir, gz.subarray(0, gz.length - 30));
    expect(await codeOf(readPrimary(dir))).toBe("METADATA_INVALID");
    await writeRepodata(dir, Buffer.from("this is not gzip"));
    expect(await codeOf(readPrimary(dir))).toBe("METADATA_INVALID");
  });
});

describe("readPrimaryPackageCount", () => {
  it("reads the declared count without parsing the packages", async () => {
    const dir = await tempDir();
    const xml = primaryXml([hello, world]);
    await writeRepodata(dir, xml.replace("</arch>", "</broken>"));
    expect(await readPrimaryPackageCount(dir)).toBe(2);
  });

  it("fails with METADATA_INVALID without a packages attribute", async () => {
    const dir = await tempDir();
    await writeRepodata(dir, primaryXml([hello]).replace(/ packages="1"/, ""));
    expect(await codeOf(readPrimaryPackageCount(dir))).toBe("METADATA_INVALID");
    expect(await readPrimary(dir)).toHaveLength(1);
  });
});

describe("readRepomd", () => {
  it("lists the data records", async () => {
    const dir = await tempDir();
    await writeRepodata(dir, primaryXml([]), { extraRecords: [{ type: "other", href: "repodata/o.xml.gz", base: "http://x/" }] });
    expect(await readRepomd(dir)).toEqual([
      { type: "primary", href: "repodata/0123-primary.xml.gz", base: undefined },
      { type: "other", href: "repodata/o.xml.gz", base: "http://x/" },
    ]);
  });
});

describe("formatNevra", () => {
  it("omits a zero epoch", () => {
    expect(formatNevra({ name: "a", epoch: 0, version: "1", release: "2", arch: "noarch" })).toBe("a-1-2.noarch");
    expect(formatNevra({ name: "a", epoch: 3, version: "1", release: "2", arch: "src" })).toBe("a-3:1-2.src");
  });
});
