import { execFile, spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { RepoPublisher, chrootDir, isInside, repoFileContent, repoId, resultDir } from "../src/index.ts";
import { tempDir } from "./fixtures.ts";
import { buildRpm, placeResult } from "./rpmbuild.ts";

const run = promisify(execFile);

/** dnf 4 with the config-manager plugin (Debian: dnf, dnf-plugins-core); the test is skipped without it. */
const hasDnf = spawnSync("dnf", ["config-manager", "--help"], { stdio: "ignore" }).status === 0;

/** Serves the files under `dir` over HTTP on 127.0.0.1; paths are percent-decoded. */
async function serve(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    stat(file).then(
      (s) => {
        if (!isInside(dir, file) || !s.isFile()) throw new Error("not a file");
        res.writeHead(200, { "content-length": s.size });
        createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end(),
    ).catch(() => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe.skipIf(!hasDnf)("the .repo file with the real dnf", () => {
  it("is accepted by dnf config-manager --add-repo and dnf lists the published packages", async () => {
    const tmp = await tempDir();
    const site = path.join(tmp, "site");
    const ref = { owner: "bob+team", project: "hello", chroot: "fedora-40-x86_64" };
    const rpm = await buildRpm(path.join(tmp, "rpmbuild"), { name: "hello", version: "1.0", release: "1", epoch: 3 });
    await placeResult(resultDir(path.join(site, "results"), { ...ref, buildId: 7, packageName: "hello" }), rpm);
    const publisher = new RepoPublisher();
    await publisher.publish(chrootDir(path.join(site, "results"), ref));
    await publisher.close();

    const { url, server } = await serve(site);
    try {
      await writeFile(path.join(site, "hello.repo"), repoFileContent({ baseUrl: `${url}/`, ...ref }));
      const installroot = path.join(tmp, "installroot");
      await mkdir(path.join(installroot, "repos"), { recursive: true });
      const dnf = (...args: string[]) =>
        run("dnf", ["-y", `--installroot=${installroot}`, `--setopt=reposdir=${installroot}/repos`, "--releasever=40", ...args], { timeout: 120_000 });
      await dnf("config-manager", "--add-repo", `${url}/hello.repo`);
      const id = repoId({ baseUrl: url, ...ref });
      const { stdout } = await dnf("-q", `--repo=${id}`, "repoquery", "--available", "--qf", "%{name}-%{epoch}:%{version}-%{release}.%{arch}");
      expect(stdout.trim().split("\n").sort()).toEqual(["hello-3:1.0-1.noarch", "hello-3:1.0-1.src"]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
