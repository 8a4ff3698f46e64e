import { readFileSync, readdirSync } from "node:fs";

interface ProcStat {
  pid: number;
  ppid: number;
  /** R, S, D, Z, ... */
  state: string;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const [state, ppid] = [rest[0], Number(rest[1])];
  if (state === undefined || !Number.isInteger(ppid)) return undefined;
  return { pid, ppid, state };
}

/** Every process below `root` (children, grandchildren, ...) at this moment, from /proc. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readStat(Number(name));
    if (entry === undefined) continue;
    children.set(entry.ppid, [...(children.get(entry.ppid) ?? []), entry.pid]);
  }
  const found: number[] = [];
  const queue = [root];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** True while `pid` exists and is not a zombie. */
function isRunning(pid: number): boolean {
  const entry = readStat(pid);
  return entry !== undefined && entry.state !== "Z";
}

/** Resolves true once none of `pids` runs any more (zombies count as gone), false after `timeoutMs`. */
export async function waitUntilGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!pids.some(isRunning)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Processes that have the environment variable `name`, with its value (root can read every environment). */
export function processesWithEnvVar(name: string): { pid: number; value: string }[] {
  const prefix = `${name}=`;
  const found: { pid: number; value: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const variable = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").find((v) => v.startsWith(prefix));
      if (variable !== undefined) found.push({ pid: Number(entry), value: variable.slice(prefix.length) });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Processes whose environment holds `name=value`. */
export function processesWithEnv(name: string, value: string): number[] {
  return processesWithEnvVar(name).filter((p) => p.value === value).map((p) => p.pid);
}
