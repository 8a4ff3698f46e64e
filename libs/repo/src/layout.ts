import path from "node:path";
import { RepoError } from "./repoErrors.ts";

/**
 * Where build results live on disk:
 *
 *   <root>/<owner>/<project>/<chroot>/                      one dnf repository (createrepo_c runs here)
 *   <root>/<owner>/<project>/<chroot>/<00000042>-<package>/  one build's RPMs, logs, ...
 *
 * Every part is validated against the naming rules below, so no part can be
 * empty, `.`/`..`, contain `/`, or start with `.` or `-`; the joined path is
 * then checked (lexically) to stay inside the root.
 */

/** Owner (user or group) and project names. At most 100 characters. */
export const OWNER_PROJECT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;
/** Chroot names such as `fedora-40-x86_64` or `epel-9-aarch64`: ends in `-<arch>`. */
export const CHROOT_PATTERN = /^[a-z0-9][a-z0-9._-]*-[a-z0-9_]+$/;
/** RPM package (source package) names. */
export const PACKAGE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** Longest chroot name accepted (characters). */
export const MAX_CHROOT_LENGTH = 100;
/**
 * Longest package name accepted (characters), so that the result directory
 * name `<8+ digit id>-<name>` stays well within the 255-byte file name limit.
 */
export const MAX_PACKAGE_NAME_LENGTH = 200;

export interface ChrootRef {
  owner: string;
  project: string;
  /** e.g. `fedora-40-x86_64`. */
  chroot: string;
}

export interface BuildResultRef extends ChrootRef {
  /** Positive safe integer; formatted as at least 8 digits, zero-padded. */
  buildId: number;
  /** Source package name. */
  packageName: string;
}

/** `<root>/<owner>/<project>/<chroot>`, absolute; throws RepoError INVALID_NAME. */
export function chrootDir(root: string, ref: ChrootRef): string {
  return inside(root, [checkOwnerOrProject("owner", ref.owner), checkOwnerOrProject("project", ref.project), checkChroot(ref.chroot)]);
}

/** `<root>/<owner>/<project>/<chroot>/<00000042>-<package>`, absolute; throws RepoError INVALID_NAME. */
export function resultDir(root: string, ref: BuildResultRef): string {
  return inside(root, [
    checkOwnerOrProject("owner", ref.owner),
    checkOwnerOrProject("project", ref.project),
    checkChroot(ref.chroot),
    resultDirName(ref.buildId, ref.packageName),
  ]);
}

/** The name of one build's result directory: `00000042-hello`. Throws RepoError INVALID_NAME. */
export function resultDirName(buildId: number, packageName: string): string {
  if (typeof buildId !== "number" || !Number.isSafeInteger(buildId) || buildId < 1) {
    throw new RepoError("INVALID_NAME", `build id must be a positive safe integer, got ${describe(buildId)}`);
  }
  return `${String(buildId).padStart(8, "0")}-${checkPackageName(packageName)}`;
}

export function checkOwnerOrProject(what: "owner" | "project", value: string): string {
  return check(what, value, OWNER_PROJECT_PATTERN, 100);
}

export function checkChroot(value: string): string {
  return check("chroot", value, CHROOT_PATTERN, MAX_CHROOT_LENGTH);
}

export function checkPackageName(value: string): string {
  return check("package name", value, PACKAGE_NAME_PATTERN, MAX_PACKAGE_NAME_LENGTH);
}

function check(what: string, value: unknown, pattern: RegExp, maxLength: number): string {
  if (typeof value !== "string" || value === "." || value === ".." || value.length > maxLength || !pattern.test(value)) {
    throw new RepoError("INVALID_NAME", `invalid ${what} ${describe(value)}: must match ${String(pattern)}, at most ${maxLength} characters`);
  }
  return value;
}

function inside(root: string, parts: readonly string[]): string {
  if (typeof root !== "string" || root === "") throw new RepoError("INVALID_NAME", "results root must be a non-empty path");
  const base = path.resolve(root);
  const full = path.resolve(base, ...parts);
  if (!isInside(base, full) || path.relative(base, full).split(path.sep).length !== parts.length) {
    throw new RepoError("INVALID_NAME", `path ${JSON.stringify(full)} is not inside the results root ${JSON.stringify(base)}`);
  }
  return full;
}

/** Whether `full` lies strictly below `base` (both absolute, compared lexically). */
export function isInside(base: string, full: string): boolean {
  const rel = path.relative(base, full);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value) : String(value);
}
