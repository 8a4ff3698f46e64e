import { shq } from "../builder/shellQuote.ts";

/**
 * Resource limits of one build, set with prlimit on the builder host before
 * the sandbox starts, so every process of the build inherits them.
 *
 * rlimits, not cgroups: a build arrives over a plain SSH login, which has no
 * systemd user session to delegate a cgroup to (`systemd-run --user --scope
 * -p MemoryMax=` needs one), and the builder user must not need root.
 * RLIMIT_AS limits each process's address space, not the build's sum; hosts
 * that need a hard total per build run one build per VM (a `command`
 * provisioner) or give mock its own cgroup.
 */
export interface SandboxLimits {
  /** Most processes the builder user may have at once (RLIMIT_NPROC, a count; it counts every build of that user on the host). Default 4096. */
  processes: number;
  /** Most open files per process (RLIMIT_NOFILE, a count). Default 4096. */
  openFiles: number;
  /** Address space per process (RLIMIT_AS), MiB. Default 16384. */
  memoryMiB: number;
  /** Largest file a build may write (RLIMIT_FSIZE), MiB. Default 10240. */
  fileSizeMiB: number;
}

export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  processes: 4096,
  openFiles: 4096,
  memoryMiB: 16_384,
  fileSizeMiB: 10_240,
});

/** How builds are isolated on a builder host. */
export type SandboxKind = "bubblewrap" | "mock";

/** The builder host cannot isolate builds; the message says what to install or enable there. */
export class SandboxUnavailableError extends Error {
  override readonly name = "SandboxUnavailableError";
}

const PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";

/**
 * The shell command that runs `command` in a new bubblewrap sandbox. It runs
 * with the attempt's own work directory as its current directory (a
 * direct child of the builder's work root), and gives the build:
 * - its own PID namespace: when the sandbox's first process ends, the kernel
 *   kills every other one, daemons that called setsid included;
 * - its own network namespace with only a loopback of its own, unless
 *   `network` (the project or build enabled it, as copr-cli's --enable-net);
 * - the host's system read-only, a fresh empty home, /tmp, /var/tmp, /run and
 *   /dev/shm of its own (memory, gone with the sandbox), and of the work root
 *   only its own directory: other builds' directories, other homes and the
 *   host's /tmp are not there;
 * - no new user namespaces (no way around the sandbox from inside it), a
 *   cleared environment and the limits above.
 */
export function bubblewrapCommand(command: string, options: { network: boolean; limits: SandboxLimits }): string {
  const { limits } = options;
  const mib = (n: number): number => n * 1024 * 1024;
  return [
    "exec prlimit",
    `--nproc=${limits.processes}`, `--nofile=${limits.openFiles}`, `--as=${mib(limits.memoryMiB)}`, `--fsize=${mib(limits.fileSizeMiB)}`,
    "-- bwrap --unshare-all --unshare-user --disable-userns --die-with-parent",
    ...(options.network ? ["--share-net"] : []),
    "--ro-bind / /",
    "--tmpfs /tmp --tmpfs /var/tmp --tmpfs /run --tmpfs /home",
    // With the network on, name resolution may live under /run (systemd-resolved).
    ...(options.network ? ["--ro-bind-try /run/systemd/resolve /run/systemd/resolve"] : []),
    `--tmpfs "$(dirname "$PWD")" --dir "$HOME" --bind "$PWD" "$PWD"`,
    "--proc /proc --dev /dev",
    `--chdir "$PWD" --clearenv`,
    `--setenv HOME "$HOME" --setenv USER "$(id -un)" --setenv LOGNAME "$(id -un)"`,
    `--setenv PATH ${PATH} --setenv LANG C.UTF-8 --setenv TMPDIR /tmp`,
    `-- sh -c ${shq(command)}`,
  ].join(" ");
}

/**
 * A script that tells which sandbox the builder host offers: prints `mock`
 * when mock is installed (it isolates builds itself), `bubblewrap` when an
 * unprivileged bwrap sandbox with every namespace can start, or one line
 * starting with `none:` saying what is missing.
 */
export const PROBE_SCRIPT = [
  "if command -v mock >/dev/null 2>&1; then echo mock; exit 0; fi",
  "command -v bwrap >/dev/null 2>&1 || { echo 'none: bwrap is not installed (Debian/Fedora package bubblewrap)'; exit 0; }",
  "command -v prlimit >/dev/null 2>&1 || { echo 'none: prlimit is not installed (package util-linux)'; exit 0; }",
  "if out=$(bwrap --unshare-all --unshare-user --disable-userns --die-with-parent --ro-bind / / --proc /proc --dev /dev true 2>&1); then echo bubblewrap; exit 0; fi",
  "echo \"none: bwrap cannot create namespaces here ($out); enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0)\"",
].join("\n");

/** Reads PROBE_SCRIPT's answer; throws SandboxUnavailableError naming the host and the fix. */
export function sandboxFromProbe(host: string, stdout: string): SandboxKind {
  const answer = stdout.trim().split("\n").at(-1) ?? "";
  if (answer === "mock" || answer === "bubblewrap") return answer;
  const why = answer.startsWith("none: ") ? answer.slice("none: ".length) : `the sandbox check printed ${JSON.stringify(answer)}`;
  throw new SandboxUnavailableError(`builder host ${host} cannot run builds in a sandbox: ${why}`);
}

/** Output lines that tell which limit a failed build ran into. */
const LIMIT_SIGNS: readonly { test: RegExp; reason: (l: SandboxLimits) => string }[] = [
  { test: /Resource temporarily unavailable|fork: retry|Cannot fork|can't fork/i, reason: (l) => `the build reached its process limit (${l.processes} processes)` },
  { test: /Too many open files/i, reason: (l) => `the build reached its open files limit (${l.openFiles} per process)` },
  { test: /Cannot allocate memory|Out of memory|MemoryError|std::bad_alloc|memory exhausted/i, reason: (l) => `the build ran out of memory (limit ${l.memoryMiB} MiB per process)` },
  { test: /File size limit exceeded/i, reason: (l) => `the build wrote a file larger than its limit (${l.fileSizeMiB} MiB)` },
];

/** The limit a failed build most likely hit, judged from its last output lines and exit signal, or undefined. */
export function limitReason(lastLines: readonly string[], signal: string | null, limits: SandboxLimits): string | undefined {
  if (signal === "SIGXFSZ" || signal === "XFSZ") return LIMIT_SIGNS[3]?.reason(limits);
  for (const line of [...lastLines].reverse()) {
    const sign = LIMIT_SIGNS.find((s) => s.test.test(line));
    if (sign !== undefined) return sign.reason(limits);
  }
  return undefined;
}
