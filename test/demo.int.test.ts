import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("npm run demo", () => {
  it("starts the stack, Headhunter finds the worker and checks its token over the bus, then stops everything", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts", "--once"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(out).toMatch(/checked its token over the bus/);
    expect(out).toMatch(/demo: stopped/);
    expect(code).toBe(0);
  }, 120_000);
});
