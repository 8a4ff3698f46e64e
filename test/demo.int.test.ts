import { spawn } from "node:child_process";
import { describe, expect, it, onTestFailed } from "vitest";

describe("npm run demo", () => {
  it("builds the example package through the whole stack, installs it with dnf (gpgcheck=1), prints the URLs, and stops everything", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts", "--once"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    onTestFailed(() => {
      globalThis.console.log(`what the demo printed:\n${out}`);
      child.kill("SIGINT");
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(out).toMatch(/demo: build succeeded/);
    // dnf installed it from our repository with gpgcheck=1: signed with the project's key.
    expect(out).toMatch(/demo: dnf installed hello-1\.0-1\.noarch signed RSA\/SHA\d+, .*Key ID [0-9a-f]{16}/);
    expect(out).toMatch(/key: +http:\/\/127\.0\.0\.1:\d+\/results\/demo\/hello\/pubkey\.gpg/);
    expect(out).toMatch(/\.repo: +http:\/\/127\.0\.0\.1:\d+\/repos\/demo\/hello\/fedora-40-x86_64\.repo/);
    expect(out).toMatch(/demo: stopped/);
    expect(code).toBe(0);
  }, 300_000);
});
