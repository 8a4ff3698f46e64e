import { shq } from "./shellQuote.ts";

/**
 * The POSIX sh scripts the worker runs on a builder host. They are sent as
 * `sh -c <script>` so they do not depend on the builder user's login shell.
 *
 * Why a process group: ssh2's channel.signal() is ignored by OpenSSH for
 * sessions without a PTY (and for root), and closing the channel leaves the
 * remote command running. So a build runs as the leader of its own session
 * and process group (setsid), records that group id in a pid file, and a
 * second exec kills the whole group.
 */

/** Exit status of the cancel script when there was no running build for the pid file. */
export const CANCEL_NOT_RUNNING = 3;
/** Exit status of the cancel script when members of the group survived SIGKILL. */
export const CANCEL_SURVIVED = 4;

/** Signals cancel sends, in order: INT lets mock/rpmbuild clean up, TERM and KILL make sure. */
export const CANCEL_SIGNALS = ["INT", "TERM", "KILL"] as const;

function wrap(script: string): string {
  return `sh -c ${shq(script)}`;
}

/**
 * Runs `command` with `sh -c` as the leader of a new session and process
 * group whose id is written to `pidFile` (atomically, before the command
 * starts). The pid file is removed when the command ends.
 *
 * setsid only calls setsid() in place (keeping the pid) when it is not a
 * process group leader; the outer shell forks it as an ordinary child, so
 * that holds and `$$` of the inner shell is the group id. The command must
 * not be backgrounded: a non-interactive shell starts background jobs with
 * SIGINT ignored, which would make the first cancel signal useless.
 *
 * The build is tied to the SSH channel that started it: a watchdog reads
 * the channel's stdin (which the worker keeps open while the build runs)
 * and kills the whole group when it ends, that is when the worker's
 * connection is gone (worker killed, network cut). OpenSSH itself leaves a
 * command without a PTY running when its connection goes. The build reads
 * /dev/null, never the channel.
 *
 * A command killed by a signal is reported as such: the outer shell sees
 * 128+n and kills itself with the same signal, so sshd sends exit-signal.
 * (A command that exits with 129..192 on its own is reported the same way.)
 */
export function runScript(options: { command: string; pidFile: string; cwd?: string | undefined }): string {
  const lines = [
    ...(options.cwd === undefined ? [] : [`cd ${shq(options.cwd)} || exit 1`]),
    `pidfile=${shq(options.pidFile)}`,
    `rm -f "$pidfile"`,
    // The watchdog. A background job's stdin is /dev/null unless redirected
    // from another descriptor, hence fd 3; its own output goes nowhere, so it
    // never keeps the channel open.
    `exec 3<&0`,
    `( cat <&3 >/dev/null 2>&1; pg=$(cat "$pidfile" 2>/dev/null) && [ -n "$pg" ] && kill -s KILL -- "-$pg" ) >/dev/null 2>&1 &`,
    `setsid sh -c 'echo $$ > "$1.tmp" && mv -f "$1.tmp" "$1" && exec sh -c "$2"' copr-build "$pidfile" ${shq(options.command)} </dev/null 3<&-`,
    `rc=$?`,
    `rm -f "$pidfile"`,
    `if [ "$rc" -gt 128 ] && sig=$(kill -l "$rc" 2>/dev/null); then`,
    `  trap - "$sig"`,
    `  kill -s "$sig" $$`,
    `fi`,
    `exit "$rc"`,
  ];
  return wrap(lines.join("\n"));
}

/**
 * Kills the process group recorded in `pidFile`: SIGINT, then SIGTERM,
 * then SIGKILL, `graceMs` apart, stopping as soon as no member of the group
 * is left. Zombies do not count (an init that reaps orphans late would
 * otherwise keep the group "alive"). Prints each signal it sent; exits 0
 * when the group is gone, CANCEL_NOT_RUNNING when there was none,
 * CANCEL_SURVIVED when something outlived SIGKILL.
 */
export function cancelScript(options: { pidFile: string; graceMs: number }): string {
  const ticks = Math.max(1, Math.ceil(options.graceMs / 100));
  const lines = [
    `pidfile=${shq(options.pidFile)}`,
    `pg=$(cat "$pidfile" 2>/dev/null) || exit ${CANCEL_NOT_RUNNING}`,
    `case $pg in ''|*[!0-9]*) exit ${CANCEL_NOT_RUNNING};; esac`,
    `alive() {`,
    `  kill -s 0 -- "-$pg" 2>/dev/null || return 1`,
    `  command -v ps >/dev/null 2>&1 || return 0`,
    `  ps -A -o pgid= -o stat= | awk -v g="$pg" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'`,
    `}`,
    `alive || exit ${CANCEL_NOT_RUNNING}`,
    `for sig in ${CANCEL_SIGNALS.join(" ")}; do`,
    `  kill -s "$sig" -- "-$pg" 2>/dev/null || exit 0`,
    `  echo "$sig"`,
    `  i=0`,
    `  while [ "$i" -lt ${ticks} ]; do`,
    `    alive || exit 0`,
    `    sleep 0.1`,
    `    i=$((i + 1))`,
    `  done`,
    `done`,
    `alive && exit ${CANCEL_SURVIVED}`,
    `exit 0`,
  ];
  return wrap(lines.join("\n"));
}
