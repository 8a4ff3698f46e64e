import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "../api/router.ts";

/** A build as the server shows it: the build, its tasks (one per chroot) and the derived state. */
export type BuildView = inferRouterOutputs<AppRouter>["builds"]["get"];
export type TaskView = BuildView["tasks"][number];

/** `12:01:02`, local time. */
export function clock(date: Date = new Date()): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** `2024-05-01 12:01:02`, local time, from ms since the epoch. */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  const day = [d.getFullYear(), d.getMonth() + 1, d.getDate()].map((n, i) => String(n).padStart(i === 0 ? 4 : 2, "0")).join("-");
  return `${day} ${clock(d)}`;
}

/** `1.5 MiB`, from bytes. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${v.toFixed(1)} ${units[u] ?? "TiB"}`;
}

/** `hello-1.0-1` (with `2:` when there is an epoch). */
export function nevr(build: BuildView["build"]): string {
  const s = build.srpm;
  return `${s.name}-${s.epoch === null ? "" : `${s.epoch}:`}${s.version}-${s.release}`;
}

/** Columns padded to the widest cell; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ").trimEnd()).join("\n") + "\n";
}

/** One line per chroot: state, worker, reason. */
export function taskRows(tasks: readonly TaskView[]): string[][] {
  return tasks.map((t) => [t.chroot, t.state, t.agent === null ? "" : `worker ${t.agent}`, (t.state === "pending" ? t.wait : undefined) ?? t.reason ?? ""]);
}

/** A build "failed" for the exit code when a chroot failed or was canceled; skipped is fine. */
export function buildFailed(view: BuildView): boolean {
  return view.tasks.some((t) => t.state === "failed" || t.state === "canceled");
}

/**
 * Text from a build (its log, reasons) made safe for a terminal: escape
 * sequences (colours, set-title, cursor moves, OSC) and other control
 * characters are removed; tabs stay.
 */
export function printable(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-~]?|[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, "");
}
