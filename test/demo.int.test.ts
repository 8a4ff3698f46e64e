import { spawn } from "node:child_process";
import { describe, expect, it, onTestFailed } from "vitest";

describe("npm run demo", () => {
  it("builds the example package through the whole stack, prints the URLs, and stops everything", async () => {
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
    expect(out).toMatch(/\.repo: +http:\/\/127\.0\.0\.1:\d+\/repos\/demo\/hello\/fedora-40-x86_64\.repo/);
    expect(out).toMatch(/demo: stopped/);
    expect(code).toBe(0);
  }, 300_000);
});
