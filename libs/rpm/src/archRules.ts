import { RpmError } from "./rpmErrors.ts";
import type { RpmInfo } from "./rpmInfo.ts";

/** A Copr chroot name split as Copr does (`rsplit("-", 2)`): "centos-stream-9-x86_64" → centos-stream / 9 / x86_64. */
export interface Chroot {
  os: string;
  version: string;
  arch: string;
}

/** Longest chroot name accepted, in characters. */
export const MAX_CHROOT_LENGTH = 100;

// At least three dash-separated parts, each starting with a letter or digit (so no "." or ".." parts);
// dots only in the version, underscores only in the version and the arch.
const CHROOT = /^[a-z0-9]+(?:-[a-z0-9]+)*-[a-z0-9][a-z0-9._]*-[a-z0-9][a-z0-9_]*$/;

/** Parses "fedora-40-x86_64", "epel-9-aarch64", "fedora-rawhide-s390x"; throws INVALID_CHROOT otherwise. */
export function parseChroot(name: string): Chroot {
  if (name.length > MAX_CHROOT_LENGTH || !CHROOT.test(name)) {
    const shown = JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
    throw new RpmError(
      "INVALID_CHROOT",
      `chroot ${shown} is not of the form <os>-<version>-<arch> (lower-case letters, digits, "." and "_"), e.g. fedora-40-x86_64`,
    );
  }
  const archDash = name.lastIndexOf("-");
  const versionDash = name.lastIndexOf("-", archDash - 1);
  return {
    os: name.slice(0, versionDash),
    version: name.slice(versionDash + 1, archDash),
    arch: name.slice(archDash + 1),
  };
}

/** The arch of a chroot: its last dash-separated part. Throws INVALID_CHROOT for a malformed name. */
export function chrootArch(chroot: string): string {
  return parseChroot(chroot).arch;
}

/**
 * rpm's target CPU in chroots whose name uses the family name: mock builds
 * "i386" chroots for i686 and "armhfp" chroots for armv7hl, and that is what
 * rpmbuild compares ExclusiveArch/ExcludeArch with.
 */
const TARGET_CPU: Readonly<Record<string, string>> = {
  i386: "i686",
  armhfp: "armv7hl",
};

export type ArchVerdict = { build: true } | { build: false; reason: string };

/**
 * Whether rpmbuild would build `info` for `arch` (a chroot arch), following
 * rpm's checkForValidArchitectures: ExcludeArch listing the arch excludes it;
 * a non-empty ExclusiveArch must list it. Arch names compare case-insensitively
 * as in rpm. "noarch" in ExclusiveArch allows every arch (as Koji and Copr
 * treat it). The chroot's arch and its rpm target CPU (i386 → i686) both count.
 */
export function archVerdict(info: Pick<RpmInfo, "excludeArch" | "exclusiveArch">, arch: string): ArchVerdict {
  const names = new Set([arch, TARGET_CPU[arch] ?? arch].map((a) => a.toLowerCase()));
  const listed = (list: readonly string[]): boolean => list.some((a) => names.has(a.toLowerCase()));

  if (listed(info.excludeArch)) {
    return { build: false, reason: `ExcludeArch: ${info.excludeArch.join(" ")}` };
  }
  const exclusive = info.exclusiveArch;
  if (exclusive.length > 0 && !listed(exclusive) && !exclusive.some((a) => a.toLowerCase() === "noarch")) {
    return { build: false, reason: `ExclusiveArch: ${exclusive.join(" ")} (not ${arch})` };
  }
  return { build: true };
}
