import { buildFailed, clock, nevr, printable, table, taskRows, type BuildView } from "./format.ts";
import { printJson, type Io } from "./io.ts";
import type { WatchEvent, WatchHandlers } from "./watch.ts";

/**
 * Prints a watched build as it happens: `12:01:02 fedora-40-x86_64: pending -> running`
 * and log lines (prefixed `[chroot]` when several chroots build), or one
 * JSON object per event with --json.
 */
export function watchPrinter(io: Io, json: boolean, view: BuildView): Required<WatchHandlers> {
  const chrootOf = new Map(view.tasks.map((t) => [t.id, t.chroot]));
  const building = view.tasks.filter((t) => t.state !== "skipped").length;
  const chroot = (task: string): string => chrootOf.get(task) ?? task;
  return {
    onEvent(event: WatchEvent) {
      if (json) {
        printJson(io, { ...event, chroot: chroot(event.task), at: new Date().toISOString() });
        return;
      }
      switch (event.type) {
        case "task":
          io.stdout(`${clock()} ${chroot(event.task)}: ${event.from} -> ${event.to}\n`);
          break;
        case "log": {
          const prefix = building > 1 ? `[${chroot(event.task)}] ` : "";
          io.stdout(event.lines.map((l) => `${prefix}${printable(l)}\n`).join(""));
          break;
        }
      }
    },
    onReconnecting(error) {
      io.stderr(`${clock()} connection to the server lost (${error.message}); reconnecting…\n`);
    },
    onReconnected() {
      io.stderr(`${clock()} reconnected\n`);
    },
  };
}

/** The end of a watch: one line per chroot; returns the exit code (1 if a chroot failed or was canceled). */
export function printSummary(io: Io, json: boolean, view: BuildView): number {
  const failed = buildFailed(view);
  if (json) printJson(io, { type: "summary", ok: !failed, ...view });
  else io.stdout(`Build ${view.build.id} (${view.build.owner}/${view.build.project} ${nevr(view.build)}): ${view.state}\n${table(taskRows(view.tasks).map((r) => ["  " + (r[0] ?? ""), ...r.slice(1)]))}`);
  return failed ? 1 : 0;
}
