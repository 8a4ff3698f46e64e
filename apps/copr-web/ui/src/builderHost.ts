import type { LogLine } from "./useBuildWatch.ts";

/**
 * The builder host of a task's newest attempt, from the worker's first log
 * line ("copr-worker: build 7 hello for fedora-40-x86_64, attempt 0, on
 * builder1 (mockbuilder@10.0.0.5)"); the task record does not carry it.
 */
export function builderHostFromLog(lines: readonly LogLine[] | undefined): string | null {
  if (lines === undefined) return null;
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^copr-worker: build \d+ .*, attempt \d+, on (\S+) \(([^)]+)\)$/.exec(lines[i]?.text ?? "");
    if (m !== null) return `${m[1] ?? ""} (${m[2] ?? ""})`;
  }
  return null;
}
