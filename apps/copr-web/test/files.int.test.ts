import { mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { webFixture } from "./fixtures.ts";

/** A published chroot directory with a package, repodata and a publisher's dot file. */
async function publish(dataDir: string): Promise<{ rpm: Buffer; mtime: Date }> {
  const dir = join(dataDir, "results", "alice", "hello", "fedora-40-x86_64");
  await mkdir(join(dir, "00000001-hello"), { recursive: true });
  await mkdir(join(dir, "repodata"), { recursive: true });
  await mkdir(join(dir, ".repodata.tmp"), { recursive: true });
  const rpm = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));
  const file = join(dir, "00000001-hello", "hello-1.0-1.noarch.rpm");
  await writeFile(file, rpm);
  await writeFile(join(dir, "repodata", "repomd.xml"), "<repomd/>");
  await writeFile(join(dir, ".repodata.tmp", "secret"), "x");
  const mtime = new Date("2026-11-01T12:34:56Z");
  await utimes(file, mtime, mtime);
  return { rpm, mtime };
}

describe("copr-web: published files", () => {
  it("answers HEAD, Range and conditional GETs with ETag and Last-Modified", async () => {
    await using f = await webFixture();
    const { rpm, mtime } = await publish(f.dataDir);
    const url = `${f.web.url}/results/alice/hello/fedora-40-x86_64/00000001-hello/hello-1.0-1.noarch.rpm`;

    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(rpm.length));
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    expect(head.headers.get("last-modified")).toBe(mtime.toUTCString());
    const etag = head.headers.get("etag") ?? "";
    expect(etag).toMatch(/^(W\/)?"/);
    expect(await head.text()).toBe("");

    const part = await fetch(url, { headers: { range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 100-199/${rpm.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(rpm.subarray(100, 200));
    const tail = await fetch(url, { headers: { range: "bytes=-10" } });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(rpm.subarray(rpm.length - 10));
    expect((await fetch(url, { headers: { range: `bytes=${rpm.length + 5}-` } })).status).toBe(416);

    // fetch() adds "Cache-Control: no-cache" to conditional requests unless one is given; dnf and wget send none.
    const conditional = (h: Record<string, string>) => fetch(url, { headers: { "cache-control": "max-age=0", ...h } });
    expect((await conditional({ "if-none-match": etag })).status).toBe(304);
    expect((await conditional({ "if-modified-since": mtime.toUTCString() })).status).toBe(304);
    expect((await conditional({ "if-none-match": '"other"' })).status).toBe(200);
    const changed = await conditional({ "if-modified-since": new Date(mtime.getTime() - 60_000).toUTCString() });
    expect(changed.status).toBe(200);
    expect(Buffer.from(await changed.arrayBuffer())).toEqual(rpm);
  });

  it("lists directories with links, sizes and dates, hides dot files and never leaves the results root", async () => {
    await using f = await webFixture();
    const { rpm } = await publish(f.dataDir);
    const base = `${f.web.url}/results/alice/hello/fedora-40-x86_64`;
    const noSlash = await fetch(base, { redirect: "manual" });
    expect([noSlash.status, noSlash.headers.get("location")]).toEqual([301, "/results/alice/hello/fedora-40-x86_64/"]);
    const listing = await fetch(`${base}/`);
    expect([listing.status, listing.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"]);
    const html = await listing.text();
    expect(html).toContain('<a href="/results/alice/hello/fedora-40-x86_64/00000001-hello/">00000001-hello/</a>');
    expect(html).toContain('<a href="/results/alice/hello/fedora-40-x86_64/repodata/">repodata/</a>');
    expect(html).not.toContain("repodata.tmp");
    const build = await (await fetch(`${base}/00000001-hello/`)).text();
    expect(build).toMatch(new RegExp(`hello-1\\.0-1\\.noarch\\.rpm</a></td><td>${rpm.length}</td><td>2026-11-01 12:34:56</td>`));
    expect((await fetch(`${f.web.url}/results/`)).status).toBe(200);
    const root = await fetch(`${f.web.url}/results`, { redirect: "manual" });
    expect([root.status, root.headers.get("location")]).toEqual([301, "/results/"]);
    for (const path of ["/results/alice/hello/fedora-40-x86_64/.repodata.tmp/secret", "/results/alice/..%2f..%2f..%2fetc%2fpasswd", "/results/alice/hello/fedora-40-x86_64/%2erepodata.tmp/secret", "/results/..%2f..%2fsrpms/", "/results/nobody/"]) {
      const res = await fetch(`${f.web.url}${path}`);
      expect([path, res.status]).toEqual([path, 404]);
    }
  });
});
