import { readlink, readdir, readFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { archVerdict, chrootArch, nevra, readRpmInfo, RpmError, type ReadRpmInfoOptions } from "@copr/rpm";
import { fixHeaderDigests, mainIndexEntry, rpmLayout, RpmWorkdir } from "./rpmFixtures.ts";

const NAME_TAG = 1000;

let work: RpmWorkdir;
beforeEach(async () => {
  work = await RpmWorkdir.create();
});
afterEach(async () => {
  await work.remove();
});

/** The RpmError code readRpmInfo fails with, or undefined when it succeeds. */
async function codeOf(path: string, options?: ReadRpmInfoOptions): Promise<string | undefined> {
  try {
    await readRpmInfo(path, options);
  } catch (err) {
    return err instanceof RpmError ? err.code : `not an RpmError: ${String(err)}`;
  }
  return undefined;
}

/** rpm's own reading of NAME EPOCH VERSION RELEASE, with "(none)" for a missing epoch. */
const NEVR_FORMAT = "%{NAME} %{EPOCH} %{VERSION} %{RELEASE}";

describe("readRpmInfo on source RPMs built by rpmbuild -bs", () => {
  it("reads name, Epoch 2, version, release, summary and ExclusiveArch as rpm does", async () => {
    const srpm = await work.build("-bs", {
      name: "hello", epoch: 2, version: "1.2.3", release: "4", summary: "Says hello", exclusiveArch: "x86_64 aarch64",
    });
    const info = await readRpmInfo(srpm);
    expect(info).toMatchObject({
      name: "hello", epoch: 2, version: "1.2.3", release: "4", summary: "Says hello", isSource: true,
      exclusiveArch: ["x86_64", "aarch64"], excludeArch: [], buildArchs: [],
    });
    expect(`${info.name} ${info.epoch} ${info.version} ${info.release}`).toBe(await work.query(srpm, NEVR_FORMAT));
    expect(nevra(info)).toBe(`${await work.query(srpm, "%{NEVR}")}.src`);
    expect(info.arch).toBe(await work.query(srpm, "%{ARCH}"));
    expect(archVerdict(info, chrootArch("fedora-40-aarch64"))).toEqual({ build: true });
    expect(archVerdict(info, chrootArch("fedora-rawhide-s390x"))).toEqual({
      build: false, reason: "ExclusiveArch: x86_64 aarch64 (not s390x)",
    });
  });

  it("reads ExcludeArch, and a missing Epoch as null", async () => {
    const srpm = await work.build("-bs", { name: "world", version: "0.9", release: "2.fc40", excludeArch: "s390x" });
    const info = await readRpmInfo(srpm);
    expect(info).toMatchObject({ name: "world", epoch: null, version: "0.9", release: "2.fc40", isSource: true });
    expect(info.excludeArch).toEqual(["s390x"]);
    expect(info.exclusiveArch).toEqual([]);
    expect(await work.query(srpm, NEVR_FORMAT)).toBe("world (none) 0.9 2.fc40");
    expect(nevra(info)).toBe("world-0.9-2.fc40.src");
    expect(archVerdict(info, chrootArch("epel-9-s390x"))).toEqual({ build: false, reason: "ExcludeArch: s390x" });
    expect(archVerdict(info, chrootArch("epel-9-x86_64"))).toEqual({ build: true });
  });

  it("reads macro-expanded arch lists, BuildArch and ~ ^ in versions exactly as rpm does", async () => {
    const srpm = await work.build("-bs", {
      name: "python3-foo_bar", version: "1.0~rc1^git2", epoch: 0, buildArch: "noarch",
      exclusiveArch: "%{ix86} x86_64", excludeArch: "ppc64le s390x",
    });
    const info = await readRpmInfo(srpm);
    expect(info).toMatchObject({ name: "python3-foo_bar", epoch: 0, version: "1.0~rc1^git2", arch: "noarch", buildArchs: ["noarch"] });
    const rpmList = async (tag: string) => (await work.query(srpm, `[%{${tag}}\\n]`)).split("\n").filter((l) => l !== "");
    expect(info.exclusiveArch).toEqual(await rpmList("EXCLUSIVEARCH"));
    expect(info.exclusiveArch).toContain("i686");
    expect(info.excludeArch).toEqual(await rpmList("EXCLUDEARCH"));
    expect(info.buildArchs).toEqual(await rpmList("BUILDARCHS"));
    expect(`${info.name} ${info.epoch} ${info.version} ${info.release}`).toBe(await work.query(srpm, NEVR_FORMAT));
    expect(archVerdict(info, "i386")).toEqual({ build: true });
  });
});

describe("readRpmInfo refuses what is not a source RPM", () => {
  it("refuses a binary RPM with NOT_SOURCE, and reads it when asked to", async () => {
    const rpm = await work.build("-bb", { name: "hello", epoch: 1, buildArch: "noarch" });
    expect(await codeOf(rpm)).toBe("NOT_SOURCE");
    const info = await readRpmInfo(rpm, { requireSource: false });
    expect(info).toMatchObject({ name: "hello", epoch: 1, arch: "noarch", isSource: false, sourceRpm: expect.stringMatching(/^hello-.*\.src\.rpm$/) as string });
    expect(nevra(info)).toBe(`${await work.query(rpm, "%{NEVR}")}.noarch`);
  });

  it("refuses a binary RPM whose lead claims it is a source RPM", async () => {
    const bytes = await readFile(await work.build("-bb", { buildArch: "noarch" }));
    bytes.writeUInt16BE(1, 6); // lead type: source; the lead is not covered by any digest
    const forged = await work.writeFile("forged.src.rpm", bytes);
    expect(await codeOf(forged)).toBe("NOT_SOURCE");
    expect((await readRpmInfo(forged, { requireSource: false })).isSource).toBe(false);
  });

  it("refuses a text file with NOT_RPM and an empty file with TRUNCATED", async () => {
    expect(await codeOf(await work.writeFile("hello.spec", "Name: hello\nVersion: 1.0\n".repeat(20)))).toBe("NOT_RPM");
    expect(await codeOf(await work.writeFile("short.txt", "hi"))).toBe("NOT_RPM");
    expect(await codeOf(await work.writeFile("empty.src.rpm", ""))).toBe("TRUNCATED");
  });

  it("refuses a directory with NOT_RPM and a missing file with READ_FAILED", async () => {
    const dir = join(work.dir, "a-directory.src.rpm");
    await mkdir(dir);
    expect(await codeOf(dir)).toBe("NOT_RPM");
    expect(await codeOf(join(work.dir, "missing.src.rpm"))).toBe("READ_FAILED");
  });

  it("refuses a file over maxFileBytes with TOO_LARGE", async () => {
    const srpm = await work.build("-bs");
    const size = (await readFile(srpm)).length;
    expect(await codeOf(srpm, { maxFileBytes: size - 1 })).toBe("TOO_LARGE");
    expect(await codeOf(srpm, { maxFileBytes: size })).toBeUndefined();
  });
});

describe("readRpmInfo on damaged source RPMs", () => {
  it("refuses the SRPM cut at 50, 200 and (end of header − 10) bytes with TRUNCATED", async () => {
    const bytes = await readFile(await work.build("-bs"));
    const { mainEnd } = rpmLayout(bytes);
    for (const cut of [50, 200, mainEnd - 10]) {
      const path = await work.writeFile(`cut-${cut}.src.rpm`, bytes.subarray(0, cut));
      expect({ cut, code: await codeOf(path) }).toEqual({ cut, code: "TRUNCATED" });
    }
  });

  it("refuses the SRPM cut at any point, payload included, with TRUNCATED", async () => {
    const bytes = await readFile(await work.build("-bs"));
    const { mainStart, mainStore, mainEnd } = rpmLayout(bytes);
    const boundaries = [96, 112, mainStart, mainStore, mainEnd, bytes.length];
    const cuts = new Set<number>();
    for (let cut = 1; cut < bytes.length; cut += 53) cuts.add(cut);
    for (const b of boundaries) for (const d of [-1, 0, 1]) if (b + d > 0 && b + d < bytes.length) cuts.add(b + d);
    const path = join(work.dir, "cut.src.rpm");
    const wrong: string[] = [];
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      await writeFile(path, bytes.subarray(0, cut));
      const code = await codeOf(path);
      if (code !== "TRUNCATED") wrong.push(`${cut}: ${code}`);
    }
    expect(wrong).toEqual([]);
  });

  it("refuses the SRPM with data appended with BAD_HEADER", async () => {
    const bytes = await readFile(await work.build("-bs"));
    expect(await codeOf(await work.writeFile("long.src.rpm", Buffer.concat([bytes, Buffer.from("#!/bin/sh\n")])))).toBe("BAD_HEADER");
  });

  it("refuses an index entry pointing outside the data store with BAD_HEADER, digests fixed or not", async () => {
    const bytes = await readFile(await work.build("-bs"));
    const entry = mainIndexEntry(bytes, rpmLayout(bytes), NAME_TAG);
    bytes[entry + 8] = 0x7f; // high byte of NAME's offset
    expect(await codeOf(await work.writeFile("bad-offset.src.rpm", bytes))).toBe("BAD_HEADER");
    fixHeaderDigests(bytes);
    expect(await codeOf(await work.writeFile("bad-offset-rehashed.src.rpm", bytes))).toBe("BAD_HEADER");
  });

  it("refuses a header edited after rpmbuild (digest mismatch) with BAD_HEADER, as rpm does", async () => {
    const bytes = await readFile(await work.build("-bs", { summary: "Says hello" }));
    const at = bytes.indexOf("Says hello", rpmLayout(bytes).mainStore);
    bytes.write("Says howdy", at, "latin1");
    const edited = await work.writeFile("edited.src.rpm", bytes);
    expect(await codeOf(edited)).toBe("BAD_HEADER");
    await expect(work.query(edited, "%{SUMMARY}")).rejects.toThrow();
    fixHeaderDigests(bytes);
    const rehashed = await work.writeFile("rehashed.src.rpm", bytes);
    expect((await readRpmInfo(rehashed)).summary).toBe("Says howdy");
    expect(await work.query(rehashed, "%{SUMMARY}")).toBe("Says howdy");
  });

  it("refuses a name containing / (same length, digests recomputed) with UNSAFE_NAME", async () => {
    const bytes = await readFile(await work.build("-bs", { name: "hello" }));
    const layout = rpmLayout(bytes);
    const nameAt = layout.mainStore + bytes.readUInt32BE(mainIndexEntry(bytes, layout, NAME_TAG) + 8);
    expect(bytes.toString("latin1", nameAt, nameAt + 6)).toBe("hello\0");
    bytes.write("he/lo", nameAt, "latin1");
    fixHeaderDigests(bytes);
    const path = await work.writeFile("slash.src.rpm", bytes);
    // rpm itself reads the name happily: only our check stands between it and a path.
    expect(await work.query(path, "%{NAME}")).toBe("he/lo");
    expect(await codeOf(path)).toBe("UNSAFE_NAME");

    bytes.write("../lo", nameAt, "latin1");
    fixHeaderDigests(bytes);
    expect(await codeOf(await work.writeFile("dotdot.src.rpm", bytes))).toBe("UNSAFE_NAME");
  });

  it("closes the file on every path", async () => {
    const srpm = await work.build("-bs");
    const bytes = await readFile(srpm);
    const paths = [
      srpm,
      await work.writeFile("text", "not an rpm"),
      await work.writeFile("empty", ""),
      await work.writeFile("cut", bytes.subarray(0, 300)),
      await work.writeFile("long", Buffer.concat([bytes, Buffer.alloc(1)])),
    ];
    for (const path of paths) await codeOf(path);
    await codeOf(srpm, { maxFileBytes: 1 });
    const open = await Promise.all(
      (await readdir("/proc/self/fd")).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => "")),
    );
    expect(open.filter((target) => target.startsWith(work.dir))).toEqual([]);
  });
});
