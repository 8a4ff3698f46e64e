import { describe, expect, it } from "vitest";
import { repoBaseUrl, repoFileContent, repoId } from "./repoFile.ts";
import { RepoError, type RepoErrorCode } from "./repoErrors.ts";

const base = { baseUrl: "https://copr.example.org", owner: "alice", project: "hello", chroot: "fedora-40-x86_64" };

function codeOf(fn: () => unknown): RepoErrorCode | "no error" {
  try {
    fn();
  } catch (err) {
    if (err instanceof RepoError) return err.code;
    throw err;
  }
  return "no error";
}

/** A minimal INI reader: section names and key=value pairs, as dnf sees them. */
function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section?.[1] !== undefined) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const eq = line.indexOf("=");
    if (current === undefined || eq < 1) throw new Error(`not INI: ${line}`);
    current.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return sections;
}

describe("repoFileContent", () => {
  it("produces the Copr-style .repo file", () => {
    expect(repoFileContent(base)).toBe(
      [
        "[copr:copr.example.org:alice:hello]",
        "name=Copr repo for hello owned by alice",
        "baseurl=https://copr.example.org/results/alice/hello/fedora-40-x86_64/",
        "type=rpm-md",
        "skip_if_unavailable=True",
        "gpgcheck=1",
        "gpgkey=https://copr.example.org/results/alice/hello/pubkey.gpg",
        "repo_gpgcheck=0",
        "enabled=1",
        "enabled_metadata=1",
        "",
      ].join("\n"),
    );
  });

  it("is one INI section with every key dnf needs", () => {
    const ini = parseIni(repoFileContent(base));
    expect([...ini.keys()]).toEqual(["copr:copr.example.org:alice:hello"]);
    const keys = ini.get("copr:copr.example.org:alice:hello");
    expect(Object.fromEntries(keys ?? [])).toEqual({
      name: "Copr repo for hello owned by alice",
      baseurl: "https://copr.example.org/results/alice/hello/fedora-40-x86_64/",
      type: "rpm-md",
      skip_if_unavailable: "True",
      gpgcheck: "1",
      gpgkey: "https://copr.example.org/results/alice/hello/pubkey.gpg",
      repo_gpgcheck: "0",
      enabled: "1",
      enabled_metadata: "1",
    });
  });

  it("percent-encodes path parts and keeps the base path, with or without a trailing slash", () => {
    const opts = { ...base, baseUrl: "http://example.org:8080/copr/", owner: "bob+team", project: "c++" };
    expect(repoBaseUrl(opts)).toBe("http://example.org:8080/copr/results/bob%2Bteam/c%2B%2B/fedora-40-x86_64/");
    expect(repoBaseUrl({ ...opts, baseUrl: "http://example.org:8080/copr" })).toBe(repoBaseUrl(opts));
    expect(repoBaseUrl({ ...opts, baseUrl: "http://example.org:8080/my copr/" })).toBe(
      "http://example.org:8080/my%20copr/results/bob%2Bteam/c%2B%2B/fedora-40-x86_64/",
    );
  });

  it("builds a repository id of dnf-safe characters: copr:<host>:<owner>:<project>", () => {
    expect(repoId(base)).toBe("copr:copr.example.org:alice:hello");
    expect(repoId({ ...base, baseUrl: "http://localhost:8080", owner: "bob+team", project: "c++" })).toBe("copr:localhost_8080:bob_team:c__");
    const v6 = repoId({ ...base, baseUrl: "http://[::1]:8080/" });
    expect(v6.split(":")).toHaveLength(4);
    for (const id of [v6, repoId({ ...base, owner: "A.b_c+d-9" })]) expect(id).toMatch(/^[A-Za-z0-9._:-]+$/);
  });

  it("uses a custom display name", () => {
    expect(repoFileContent({ ...base, name: "Hello nightly" })).toContain("\nname=Hello nightly\n");
  });

  it.each([
    ["not a URL", "copr.example.org"],
    ["ftp", "ftp://copr.example.org"],
    ["file", "file:///srv/results"],
    ["query", "https://copr.example.org/?a=1"],
    ["fragment", "https://copr.example.org/#x"],
    ["credentials", "https://user:pw@copr.example.org/"],
  ])("refuses a base URL with %s (INVALID_CONFIG)", (_what, baseUrl) => {
    expect(codeOf(() => repoFileContent({ ...base, baseUrl }))).toBe("INVALID_CONFIG");
  });

  it.each(["", "  ", "two\nlines", "cr\r", "tab\tname"])("refuses display name %j (INVALID_CONFIG)", (name) => {
    expect(codeOf(() => repoFileContent({ ...base, name }))).toBe("INVALID_CONFIG");
  });

  it.each([
    { owner: ".." },
    { owner: "a/b" },
    { project: "../x" },
    { project: "x\n[evil]" },
    { chroot: "../../etc" },
    { chroot: "fedora-$releasever-$basearch" },
  ])("refuses %j (INVALID_NAME)", (override) => {
    expect(codeOf(() => repoFileContent({ ...base, ...override }))).toBe("INVALID_NAME");
  });
});
