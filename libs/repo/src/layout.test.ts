import path from "node:path";
import { describe, expect, it } from "vitest";
import { chrootDir, isInside, resultDir, resultDirName } from "./layout.ts";
import { RepoError, type RepoErrorCode } from "./repoErrors.ts";

const root = "/srv/copr/results";
const ref = { owner: "alice", project: "hello", chroot: "fedora-40-x86_64" };

function codeOf(fn: () => unknown): RepoErrorCode | "no error" {
  try {
    fn();
  } catch (err) {
    if (err instanceof RepoError) return err.code;
    throw err;
  }
  return "no error";
}

describe("chrootDir / resultDir", () => {
  it("builds the documented layout", () => {
    expect(chrootDir(root, ref)).toBe("/srv/copr/results/alice/hello/fedora-40-x86_64");
    expect(resultDir(root, { ...ref, buildId: 42, packageName: "hello" })).toBe(
      "/srv/copr/results/alice/hello/fedora-40-x86_64/00000042-hello",
    );
  });

  it("pads build ids to 8 digits and keeps longer ones whole", () => {
    expect(resultDirName(1, "x")).toBe("00000001-x");
    expect(resultDirName(12345678, "x")).toBe("12345678-x");
    expect(resultDirName(123456789, "x")).toBe("123456789-x");
  });

  it("accepts the characters the rules allow", () => {
    expect(chrootDir(root, { owner: "A.b_c+d-9", project: "p+q", chroot: "epel-9.2-aarch64" })).toBe(
      "/srv/copr/results/A.b_c+d-9/p+q/epel-9.2-aarch64",
    );
    expect(chrootDir(root, { ...ref, chroot: "opensuse-tumbleweed-x86_64" })).toMatch(/tumbleweed-x86_64$/);
    expect(resultDir(root, { ...ref, buildId: 7, packageName: "python3-foo+bar_1.2" })).toMatch(/00000007-python3-foo\+bar_1\.2$/);
    expect(chrootDir(root, { ...ref, owner: "a".repeat(100) })).toContain("a".repeat(100));
  });

  it("resolves a relative or unnormalised root to an absolute path", () => {
    expect(chrootDir("results", ref)).toBe(path.resolve("results", "alice", "hello", "fedora-40-x86_64"));
    expect(chrootDir("/srv/x/../copr//results/", ref)).toBe("/srv/copr/results/alice/hello/fedora-40-x86_64");
  });

  it.each([
    ["owner", ".."],
    ["owner", "."],
    ["owner", ""],
    ["owner", "a/b"],
    ["owner", "../etc"],
    ["owner", "/etc"],
    ["owner", ".hidden"],
    ["owner", "-rf"],
    ["owner", "a b"],
    ["owner", "@group"],
    ["owner", "a\nb"],
    ["owner", "a".repeat(101)],
    ["project", ".."],
    ["project", "x/.."],
    ["project", "p\\q"],
    ["chroot", ".."],
    ["chroot", "fedora"],
    ["chroot", "Fedora-40-x86_64"],
    ["chroot", "fedora-40-x86_64/.."],
    ["chroot", "../fedora-40-x86_64"],
    ["chroot", "fedora-40-"],
    ["chroot", `f-${"x".repeat(100)}`],
  ])("refuses %s %j with INVALID_NAME", (field, value) => {
    expect(codeOf(() => chrootDir(root, { ...ref, [field]: value }))).toBe("INVALID_NAME");
    expect(codeOf(() => resultDir(root, { ...ref, [field]: value, buildId: 1, packageName: "x" }))).toBe("INVALID_NAME");
  });

  it.each(["..", ".", "", "a/b", "../../etc", "/etc/passwd", ".x", "-x", "x y", "x".repeat(201)])(
    "refuses package name %j with INVALID_NAME",
    (packageName) => {
      expect(codeOf(() => resultDir(root, { ...ref, buildId: 1, packageName }))).toBe("INVALID_NAME");
    },
  );

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, "42" as unknown as number])(
    "refuses build id %j with INVALID_NAME",
    (buildId) => {
      expect(codeOf(() => resultDir(root, { ...ref, buildId, packageName: "x" }))).toBe("INVALID_NAME");
    },
  );

  it("refuses an empty root", () => {
    expect(codeOf(() => chrootDir("", ref))).toBe("INVALID_NAME");
  });

  it("always returns a path strictly inside the root", () => {
    const dir = resultDir(root, { ...ref, buildId: 99, packageName: "pkg" });
    expect(isInside(root, dir)).toBe(true);
    expect(path.relative(root, dir).split(path.sep)).toHaveLength(4);
  });
});

describe("isInside", () => {
  it("compares whole path components", () => {
    expect(isInside("/a/b", "/a/b/c")).toBe(true);
    expect(isInside("/a/b", "/a/b/..c")).toBe(true);
    expect(isInside("/a/b", "/a/b")).toBe(false);
    expect(isInside("/a/b", "/a/bc")).toBe(false);
    expect(isInside("/a/b", "/a")).toBe(false);
    expect(isInside("/a/b", "/a/b/../c")).toBe(false);
  });
});
