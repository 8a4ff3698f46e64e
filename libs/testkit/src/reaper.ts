import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Private service instances must never outlive the process that started
 * them: a test runner stopped by SIGTERM (vitest exits without running its
 * teardown) or killed with -9 would otherwise leave brokers running.
 *  - every service process group is killed from a synchronous 'exit' hook;
 *  - every instance directory records its owner's pid and its process groups,
 *    and the next start reaps directories whose owner is gone.
 */
const live = new Set<number>();
let hooked = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Records a new service process group under `dir` and kills it when this process exits. */
export function track(dir: string, pgid: number): void {
  live.add(pgid);
  if (!hooked) {
    hooked = true;
    process.once("exit", () => {
      for (const g of live) killGroup(g);
    });
  }
  const file = join(dir, "owner.json");
  let groups: number[] = [];
  try {
    groups = (JSON.parse(readFileSync(file, "utf8")) as { groups: number[] }).groups;
  } catch {
    // first process of this instance
  }
  writeFileSync(file, JSON.stringify({ owner: process.pid, groups: [...groups, pgid] }));
}

/** Called when a service process group ended normally. */
export function untrack(pgid: number): void {
  live.delete(pgid);
}

/** Kills and removes instance directories under `root` whose owning process is gone. */
export function reapStale(root: string): void {
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    const file = join(root, name, "owner.json");
    if (!existsSync(file)) continue;
    let owner: { owner: number; groups: number[] };
    try {
      owner = JSON.parse(readFileSync(file, "utf8")) as { owner: number; groups: number[] };
    } catch {
      continue;
    }
    if (alive(owner.owner)) continue;
    for (const g of owner.groups) killGroup(g);
    rmSync(join(root, name), { recursive: true, force: true });
  }
}
