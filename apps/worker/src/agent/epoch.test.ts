import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nextEpoch } from "./epoch.ts";

describe("boot count", () => {
  it("starts at 1 and grows by one at every start", async () => {
    const dir = await mkdtemp(join(tmpdir(), "epoch-"));
    expect(await nextEpoch(dir)).toBe(1);
    expect(await nextEpoch(dir)).toBe(2);
    expect((await readFile(join(dir, "epoch"), "utf8")).trim()).toBe("2");
  });

  it("refuses a corrupt file with advice instead of guessing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "epoch-"));
    await writeFile(join(dir, "epoch"), "banana");
    await expect(nextEpoch(dir)).rejects.toThrow(/remove it/);
  });
});
