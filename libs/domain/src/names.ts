/** Names that end up in paths, Redis keys and URLs: checked once, at the edge. */
export const OWNER_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const PROJECT_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;
export const CHROOT_RE = /^[a-z0-9]+(-[a-z0-9._]+)*-[a-z0-9_]+$/;

export function isSafeOwner(name: string): boolean {
  return OWNER_RE.test(name);
}

export function isSafeProject(name: string): boolean {
  return PROJECT_RE.test(name) && name !== "." && name !== "..";
}

/** The architecture of a chroot name: its last dash-separated part (`fedora-40-x86_64` → `x86_64`). */
export function chrootArch(chroot: string): string {
  const i = chroot.lastIndexOf("-");
  return i < 0 ? chroot : chroot.slice(i + 1);
}

/** Task ids are `<build id>-<chroot>`: unique, readable and safe in keys and paths. */
export function taskId(buildId: number, chroot: string): string {
  return `${buildId}-${chroot}`;
}
