import { execFile, spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ProjectKeys } from "@copr/sign";
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
  it("is accepted by dnf config-manager --add-repo; dnf installs the signed package with gpgcheck=1 and refuses one signed with another key", async () => {
    const tmp = await tempDir();
    const site = path.join(tmp, "site");
    const results = path.join(site, "results");
    const ref = { owner: "bob+team", project: "hello", chroot: "fedora-40-x86_64" };
    const rpm = await buildRpm(path.join(tmp, "rpmbuild"), { name: "hello", version: "1.0", release: "1", epoch: 3 });
    const buildDir = resultDir(results, { ...ref, buildId: 7, packageName: "hello" });
    await placeResult(buildDir, rpm);
    // Signed with the project's key, whose public half is served at the project's URL (as the signer does).
    const keys = new ProjectKeys({ keysDir: path.join(tmp, "keys"), domain: "copr.example.org" });
    const publisher = new RepoPublisher();
    const { url, server } = await serve(site);
    try {
      const packages = (await readdir(buildDir)).filter((f) => f.endsWith(".rpm")).map((f) => path.join(buildDir, f));
      const key = await keys.sign(ref.owner, ref.project, packages);
      await writeFile(path.join(results, ref.owner, ref.project, "pubkey.gpg"), key.publicKey);
      await publisher.publish(chrootDir(results, ref));

      await writeFile(path.join(site, "hello.repo"), repoFileContent({ baseUrl: `${url}/`, ...ref }));
      const installroot = path.join(tmp, "installroot");
      await mkdir(path.join(installroot, "repos"), { recursive: true });
      const dnf = (...args: string[]) =>
        run("dnf", ["-y", `--installroot=${installroot}`, `--setopt=reposdir=${installroot}/repos`, "--releasever=40", "--setopt=install_weak_deps=False", ...args], { timeout: 120_000 });
      await dnf("config-manager", "--add-repo", `${url}/hello.repo`);
      const id = repoId({ baseUrl: url, ...ref });
      // dnf names the file after the URL's last part.
      expect(await readFile(path.join(installroot, "repos", "hello.repo"), "utf8")).toMatch(/^gpgcheck=1$/m);
      const { stdout } = await dnf("-q", `--repo=${id}`, "repoquery", "--available", "--qf", "%{name}-%{epoch}:%{version}-%{release}.%{arch}");
      expect(stdout.trim().split("\n").sort()).toEqual(["hello-3:1.0-1.noarch", "hello-3:1.0-1.src"]);

      // gpgcheck=1: dnf imports the key from gpgkey= and installs the package only because its signature checks out.
      await dnf(`--repo=${id}`, "install", "hello");
      const installed = await run("rpm", [`--root=${installroot}`, "-q", "--qf", "%{name}-%{version} %{RSAHEADER:pgpsig}\n", "hello"]);
      expect(installed.stdout).toMatch(new RegExp(`^hello-1\\.0 RSA/SHA\\d+, .*Key ID ${key.fingerprint.slice(-16).toLowerCase()}$`, "m"));
      const checked = await run("rpm", [`--root=${installroot}`, "-K", path.join(buildDir, path.basename(rpm.binary))]);
      expect(checked.stdout).toMatch(/digests signatures OK/);

      // The same package re-signed with another key (another project's) is refused.
      const forged = path.join(tmp, "forged");
      await mkdir(forged);
      const forgedRpm = path.join(forged, path.basename(rpm.binary));
      await copyFile(path.join(buildDir, path.basename(rpm.binary)), forgedRpm);
      await keys.sign("mallory", "evil", [forgedRpm]);
      await dnf("remove", "hello");
      await copyFile(forgedRpm, path.join(buildDir, path.basename(rpm.binary)));
      await publisher.publish(chrootDir(results, ref));
      const refused = await dnf("--refresh", `--repo=${id}`, "install", "hello").then(() => null, (e: { stderr?: string; stdout?: string }) => `${e.stdout ?? ""}${e.stderr ?? ""}`);
      expect(refused).toMatch(/GPG check FAILED/);
      expect((await run("rpm", [`--root=${installroot}`, "-q", "hello"]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }))).stdout).toMatch(/not installed/);
    } finally {
      await publisher.close();
      await keys.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
