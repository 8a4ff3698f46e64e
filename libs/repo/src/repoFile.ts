import { checkChroot, checkOwnerOrProject } from "./layout.ts";
import { RepoError } from "./repoErrors.ts";

export interface RepoFileOptions {
  /**
   * Public base URL under which `/results/` is served, http or https, without
   * query or fragment, e.g. `https://copr.example.org` or `https://example.org/copr/`.
   */
  baseUrl: string;
  owner: string;
  project: string;
  /** e.g. `fedora-40-x86_64`. */
  chroot: string;
  /** Display name (`name=`). Default `Copr repo for <project> owned by <owner>`. One line. */
  name?: string;
}

/** Characters dnf accepts in a repository id; anything else in a part becomes `_`. */
const UNSAFE_ID_CHARS = /[^A-Za-z0-9._-]/g;

/**
 * The repository id `copr:<host>:<owner>:<project>`. Each part keeps only
 * letters, digits, `.`, `_` and `-` (others, `:` included, become `_`, so the
 * three `:` stay separators); a non-default port is appended to the host as `_<port>`.
 */
export function repoId(options: Pick<RepoFileOptions, "baseUrl" | "owner" | "project">): string {
  const url = parseBaseUrl(options.baseUrl);
  const host = url.port === "" ? url.hostname : `${url.hostname}_${url.port}`;
  const owner = checkOwnerOrProject("owner", options.owner);
  const project = checkOwnerOrProject("project", options.project);
  return ["copr", host, owner, project].map((part) => part.replace(UNSAFE_ID_CHARS, "_")).join(":");
}

/** The repository's URL: `<baseUrl>/results/<owner>/<project>/<chroot>/`, each part percent-encoded. */
export function repoBaseUrl(options: Pick<RepoFileOptions, "baseUrl" | "owner" | "project" | "chroot">): string {
  const url = parseBaseUrl(options.baseUrl);
  const parts = [checkOwnerOrProject("owner", options.owner), checkOwnerOrProject("project", options.project), checkChroot(options.chroot)];
  const prefix = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  return `${prefix}/results/${parts.map(encodeURIComponent).join("/")}/`;
}

/**
 * The URL of the project's public signing key, `<baseUrl>/results/<owner>/<project>/pubkey.gpg`
 * (where Copr serves it too): the signer writes it there with the project's first key.
 */
export function repoKeyUrl(options: Pick<RepoFileOptions, "baseUrl" | "owner" | "project">): string {
  const url = parseBaseUrl(options.baseUrl);
  const parts = [checkOwnerOrProject("owner", options.owner), checkOwnerOrProject("project", options.project)];
  const prefix = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  return `${prefix}/results/${parts.map(encodeURIComponent).join("/")}/pubkey.gpg`;
}

/**
 * A `.repo` file for `dnf config-manager --add-repo <url>` (dnf 4 and dnf 5):
 * one section, packages checked against the project's key (`gpgcheck=1`,
 * `gpgkey=` its URL; the metadata is not signed: `repo_gpgcheck=0`), skipped
 * when unreachable.
 * Throws RepoError INVALID_NAME (owner, project, chroot) or INVALID_CONFIG
 * (base URL, name).
 */
export function repoFileContent(options: RepoFileOptions): string {
  const baseurl = repoBaseUrl(options);
  const id = repoId(options);
  const name = options.name ?? `Copr repo for ${options.project} owned by ${options.owner}`;
  if (name.trim() === "" || /\p{Cc}/u.test(name)) {
    throw new RepoError("INVALID_CONFIG", `repository name must be one non-empty line, got ${JSON.stringify(name)}`);
  }
  return [
    `[${id}]`,
    `name=${name.trim()}`,
    `baseurl=${baseurl}`,
    "type=rpm-md",
    "skip_if_unavailable=True",
    "gpgcheck=1",
    `gpgkey=${repoKeyUrl(options)}`,
    "repo_gpgcheck=0",
    "enabled=1",
    "enabled_metadata=1",
    "",
  ].join("\n");
}

function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (err) {
    throw new RepoError("INVALID_CONFIG", `base URL ${JSON.stringify(baseUrl)} is not a URL`, { cause: err });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RepoError("INVALID_CONFIG", `base URL ${JSON.stringify(baseUrl)} must be http or https`);
  }
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new RepoError("INVALID_CONFIG", `base URL ${JSON.stringify(baseUrl)} must not carry a query, fragment or credentials`);
  }
  return url;
}
