import { describe, expect, it } from "vitest";
import { archVerdict, chrootArch, parseChroot } from "./archRules.ts";
import { RpmError } from "./rpmErrors.ts";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof RpmError ? err.code : `not an RpmError: ${String(err)}`;
  }
  return undefined;
}

const lists = (exclusiveArch: string[], excludeArch: string[] = []) => ({ exclusiveArch, excludeArch });

describe("parseChroot / chrootArch", () => {
  it.each([
    ["fedora-40-x86_64", { os: "fedora", version: "40", arch: "x86_64" }],
    ["epel-9-aarch64", { os: "epel", version: "9", arch: "aarch64" }],
    ["fedora-rawhide-s390x", { os: "fedora", version: "rawhide", arch: "s390x" }],
    ["centos-stream-9-ppc64le", { os: "centos-stream", version: "9", arch: "ppc64le" }],
    ["opensuse-leap-15.5-x86_64", { os: "opensuse-leap", version: "15.5", arch: "x86_64" }],
    ["openeuler-22.03_lts-i386", { os: "openeuler", version: "22.03_lts", arch: "i386" }],
  ])("parses %s", (name, expected) => {
    expect(parseChroot(name)).toEqual(expected);
    expect(chrootArch(name)).toBe(expected.arch);
  });

  it.each([
    "",
    "fedora",
    "fedora-40",
    "Fedora-40-x86_64",
    "fedora-40-x86_64/../..",
    "fedora-..-x86_64",
    "fedora-40-.x86_64",
    "fedora--40-x86_64",
    "-fedora-40-x86_64",
    "fedora-40-x86_64-",
    "fedora-40-x86.64",
    "fedora 40 x86_64",
    "fedora-40-x86_64\n",
    `fedora-${"4".repeat(100)}-x86_64`,
  ])("refuses %j with INVALID_CHROOT", (name) => {
    expect(codeOf(() => parseChroot(name))).toBe("INVALID_CHROOT");
    expect(codeOf(() => chrootArch(name))).toBe("INVALID_CHROOT");
  });
});

describe("archVerdict", () => {
  it("builds everywhere without ExclusiveArch or ExcludeArch", () => {
    expect(archVerdict(lists([]), "s390x")).toEqual({ build: true });
  });

  it("builds only on arches listed in ExclusiveArch", () => {
    const info = lists(["x86_64"]);
    expect(archVerdict(info, "x86_64")).toEqual({ build: true });
    expect(archVerdict(info, "aarch64")).toEqual({ build: false, reason: "ExclusiveArch: x86_64 (not aarch64)" });
    expect(archVerdict(lists(["x86_64", "aarch64"]), "aarch64")).toEqual({ build: true });
  });

  it("lets noarch in ExclusiveArch allow every arch", () => {
    expect(archVerdict(lists(["noarch"]), "s390x")).toEqual({ build: true });
    expect(archVerdict(lists(["x86_64", "noarch"]), "ppc64le")).toEqual({ build: true });
  });

  it("skips arches listed in ExcludeArch", () => {
    const info = lists([], ["s390x"]);
    expect(archVerdict(info, "s390x")).toEqual({ build: false, reason: "ExcludeArch: s390x" });
    expect(archVerdict(info, "x86_64")).toEqual({ build: true });
  });

  it("applies ExcludeArch even when ExclusiveArch lists the arch (rpm checks ExcludeArch first)", () => {
    const verdict = archVerdict(lists(["x86_64", "s390x"], ["s390x"]), "s390x");
    expect(verdict).toEqual({ build: false, reason: "ExcludeArch: s390x" });
  });

  it("compares arch names case-insensitively, as rpm does", () => {
    expect(archVerdict(lists(["X86_64"]), "x86_64")).toEqual({ build: true });
    expect(archVerdict(lists([], ["S390X"]), "s390x").build).toBe(false);
  });

  it("matches i386 and armhfp chroots by the CPU rpm builds for (i686, armv7hl)", () => {
    expect(archVerdict(lists(["i686", "x86_64"]), "i386")).toEqual({ build: true });
    expect(archVerdict(lists(["i386"]), "i386")).toEqual({ build: true });
    expect(archVerdict(lists([], ["i686"]), "i386").build).toBe(false);
    expect(archVerdict(lists(["armv7hl"]), "armhfp")).toEqual({ build: true });
    expect(archVerdict(lists(["i686"]), "x86_64")).toEqual({ build: false, reason: "ExclusiveArch: i686 (not x86_64)" });
  });

  it("works on chroot names via chrootArch", () => {
    const info = lists(["x86_64", "aarch64"]);
    expect(archVerdict(info, chrootArch("fedora-rawhide-s390x"))).toEqual({
      build: false,
      reason: "ExclusiveArch: x86_64 aarch64 (not s390x)",
    });
    expect(archVerdict(info, chrootArch("epel-9-aarch64"))).toEqual({ build: true });
  });
});
