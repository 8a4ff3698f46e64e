import { describe, expect, it } from "vitest";
import { OUTPUT_TAIL_BYTES, spawnRunner } from "./commandRunner.ts";

const opts = { cwd: "/", timeoutMs: 10_000 };

describe("spawnRunner", () => {
  it("resolves with exit code and both outputs", async () => {
    const r = await spawnRunner.run("/bin/sh", ["-c", "pwd; echo err >&2; exit 3"], { ...opts, cwd: "/tmp" });
    expect(r).toEqual({ exitCode: 3, signal: null, timedOut: false, stdout: "/tmp\n", stderr: "err\n" });
  });

  it("keeps only the tail of long output", async () => {
    const r = await spawnRunner.run("/bin/sh", ["-c", "i=0; while [ $i -lt 20000 ]; do echo line$i; i=$((i+1)); done; echo END"], opts);
    expect(r.exitCode).toBe(0);
    expect(Buffer.byteLength(r.stdout)).toBeLessThanOrEqual(OUTPUT_TAIL_BYTES);
    expect(r.stdout.endsWith("line19999\nEND\n")).toBe(true);
  });

  it("kills a command that runs past timeoutMs", async () => {
    // sleep 10 that ends by SIGTERM, marked timedOut, was ended by the timer.
    const r = await spawnRunner.run("/bin/sleep", ["10"], { ...opts, timeoutMs: 100 });
    expect(r).toMatchObject({ exitCode: null, signal: "SIGTERM", timedOut: true });
  });

  it("rejects when the command cannot be started", async () => {
    await expect(spawnRunner.run("/nonexistent/createrepo_c", [], opts)).rejects.toMatchObject({ code: "ENOENT" });
  });
});
