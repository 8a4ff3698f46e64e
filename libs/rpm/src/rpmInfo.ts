/** What we read from an RPM's headers. */
export interface RpmInfo {
  name: string;
  /** null when the spec has no Epoch (rpm treats that as 0 when comparing). */
  epoch: number | null;
  version: string;
  release: string;
  /**
   * The header's ARCH tag. For a source RPM this is the arch of the machine
   * that ran `rpmbuild -bs` (or "noarch" with `BuildArch: noarch`), not a
   * statement about where it can be built: use exclusiveArch/excludeArch.
   */
  arch: string;
  summary: string;
  isSource: boolean;
  /** A binary package's SOURCERPM tag: the source RPM it was built from (`name-version-release.src.rpm`); null for a source RPM. */
  sourceRpm: string | null;
  excludeArch: string[];
  exclusiveArch: string[];
  /** `BuildArch:` of the spec (source RPMs only), e.g. ["noarch"]. */
  buildArchs: string[];
}

/**
 * `name-[epoch:]version-release.arch`, with arch "src" for source packages
 * (as dnf shows them; rpm's own %{NEVRA} would show the build host's arch).
 * The epoch appears when the header has one, as in rpm's %{NEVR}.
 */
export function nevra(info: Pick<RpmInfo, "name" | "epoch" | "version" | "release" | "arch" | "isSource">): string {
  const epoch = info.epoch === null ? "" : `${info.epoch}:`;
  return `${info.name}-${epoch}${info.version}-${info.release}.${info.isSource ? "src" : info.arch}`;
}

/** The SOURCERPM value rpmbuild writes into every binary package built from this source RPM. */
export function sourceRpmName(srpm: Pick<RpmInfo, "name" | "version" | "release">): string {
  return `${srpm.name}-${srpm.version}-${srpm.release}.src.rpm`;
}
