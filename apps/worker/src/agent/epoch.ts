import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The agent's boot count: read from `<stateDir>/epoch`, incremented and
 * written back (atomically) at every start. Consoles see a new epoch as a
 * restart: whatever the previous process was running is gone.
 */
export async function nextEpoch(stateDir: string): Promise<number> {
  await mkdir(stateDir, { recursive: true });
  const file = join(stateDir, "epoch");
  let previous = 0;
  try {
    const text = (await readFile(file, "utf8")).trim();
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${file} holds "${text}", not a boot count; remove it to start again from 1`);
    previous = n;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const epoch = previous + 1;
  await writeFile(`${file}.tmp`, `${epoch}\n`);
  await rename(`${file}.tmp`, file);
  return epoch;
}
