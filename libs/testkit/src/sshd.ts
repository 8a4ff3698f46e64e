import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { freePort, waitForPort } from "./ports.ts";
import { infraDir, tmpRoot } from "./paths.ts";
import { ServiceProcess } from "./process.ts";
import { descendants, processesWithEnv, processesWithEnvVar, signalAll, waitUntilGone } from "./procTree.ts";
import { reapStale } from "./reaper.ts";

const run = promisify(execFile);

const SSHD = "/usr/sbin/sshd";
/** sshd's privilege separation directory (Debian's packaging creates it at boot). */
const PRIVSEP_DIR = "/run/sshd";
/** Set (sshd SetEnv) in every session of an instance, so its processes can be found after they left sshd's process tree. */
const INSTANCE_ENV = "COPR_TESTKIT_SSHD";

export interface SshdOptions {
  /** The builder user; created if missing (tests run as root). Never root. Default "copr-builder". */
  user?: string;
  /** How long to wait for sshd to accept connections, ms. Default 15 000. */
  startTimeoutMs?: number;
}

interface Account {
  uid: number;
  gid: number;
  home: string;
}

/**
 * A private sshd acting as a builder host for dev and test: configured by
 * the production infra/ssh/sshd_config, with its own port on 127.0.0.1,
 * host key, authorized key and pid file (plus AllowUsers for the test's
 * builder user). Builds log in as a non-root user, like Copr's mockbuilder.
 *
 * Per-connection sshd processes run in sessions of their own (sshd calls
 * setsid), and a command whose connection closed is re-parented to init,
 * so killing the listener's process group ends neither. stop() and kill()
 * also signal every process below the listener and every process that
 * carries this instance's COPR_TESTKIT_SSHD variable (set with SetEnv,
 * a test-kit addition to the production config).
 */
export class SshdInstance {
  readonly host = "127.0.0.1";
  readonly port: number;
  readonly user: string;
  /** Instance directory: config, keys, logs. */
  readonly dir: string;
  /** Per-instance directory in the builder user's home, owned by that user; builds run there. */
  readonly workDir: string;
  /** The client's private key (OpenSSH format) that the instance authorizes. */
  readonly privateKey: Buffer;
  /** The host key fingerprint, `SHA256:<base64 without padding>` as `ssh-keygen -lf` prints it. */
  readonly hostKeyFingerprint: string;
  readonly #startTimeoutMs: number;
  #server: ServiceProcess | undefined;
  #closed: Promise<void> | undefined;

  private constructor(init: { port: number; user: string; dir: string; workDir: string; privateKey: Buffer; hostKeyFingerprint: string; startTimeoutMs: number }) {
    this.port = init.port;
    this.user = init.user;
    this.dir = init.dir;
    this.workDir = init.workDir;
    this.privateKey = init.privateKey;
    this.hostKeyFingerprint = init.hostKeyFingerprint;
    this.#startTimeoutMs = init.startTimeoutMs;
  }

  static async start(options: SshdOptions = {}): Promise<SshdInstance> {
    reapStale(tmpRoot);
    const user = options.user ?? "copr-builder";
    const account = await ensureUser(user);
    await reapStaleSessions(account.home);
    await mkdir(PRIVSEP_DIR, { recursive: true, mode: 0o755 });
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const dir = join(tmpRoot, `sshd-${port}-${randomBytes(3).toString("hex")}`);
      const workDir = join(account.home, `copr-${port}-${process.pid}`);
      let instance: SshdInstance | undefined;
      try {
        instance = await SshdInstance.#prepare({ port, user, dir, workDir, account, startTimeoutMs: options.startTimeoutMs ?? 15_000 });
        registerInstance(instanceId(dir));
        await instance.restart();
        return instance;
      } catch (err) {
        // The port came from a probe that released it; someone may have taken it.
        const exitedEarly = instance !== undefined && !instance.running;
        if (instance !== undefined) await instance.close();
        else await Promise.all([rm(dir, { recursive: true, force: true }), rm(workDir, { recursive: true, force: true })]);
        if (!exitedEarly || attempt >= 3) throw err;
      }
    }
  }

  static async #prepare(init: { port: number; user: string; dir: string; workDir: string; account: Account; startTimeoutMs: number }): Promise<SshdInstance> {
    const { port, user, dir, workDir, account } = init;
    await mkdir(dir, { recursive: true });
    // sshd reads the authorized keys file as the builder user: it must be able to reach it.
    await chmod(dir, 0o755);
    await keygen(join(dir, "host_ed25519_key"));
    await keygen(join(dir, "client_ed25519_key"));
    const hostPub = await readFile(join(dir, "host_ed25519_key.pub"), "utf8");
    const clientPub = await readFile(join(dir, "client_ed25519_key.pub"), "utf8");
    // Outside the checkout: StrictModes refuses a file below a world-writable
    // directory, and a clone may live under /tmp.
    await mkdir(AUTHORIZED_KEYS_ROOT, { recursive: true, mode: 0o755 });
    await chmod(AUTHORIZED_KEYS_ROOT, 0o755);
    const authorizedKeys = authorizedKeysFile(dir);
    // `restrict`, as infra/ssh/README.md recommends: no forwarding, PTY or ~/.ssh/rc; exec and SFTP still work.
    await writeFile(authorizedKeys, `restrict ${clientPub}`, { mode: 0o644 });
    await chmod(authorizedKeys, 0o644);
    await assertStrictModesAccept(authorizedKeys);

    await mkdir(workDir, { recursive: true, mode: 0o755 });
    await chown(workDir, account.uid, account.gid);

    const overrides: Record<string, string> = {
      Port: String(port),
      ListenAddress: "127.0.0.1",
      HostKey: join(dir, "host_ed25519_key"),
      AuthorizedKeysFile: authorizedKeys,
      PidFile: join(dir, "sshd.pid"),
      AllowUsers: user,
    };
    const overridden = new Set(Object.keys(overrides).map((k) => k.toLowerCase()));
    const base = await readFile(join(infraDir, "ssh/sshd_config"), "utf8");
    const additions = { SetEnv: `${INSTANCE_ENV}=${instanceId(dir)}` };
    const kept = base.split("\n").filter((line) => !overridden.has(line.trim().split(/\s+/)[0]?.toLowerCase() ?? ""));
    // For sshd the first value of a keyword wins and Match blocks run to the end of the file: overrides go first.
    const conf = ["# per instance (libs/testkit/src/sshd.ts)", ...Object.entries({ ...overrides, ...additions }).map(([k, v]) => `${k} ${v}`), "", ...kept].join("\n");
    await writeFile(join(dir, "sshd_config"), conf, { mode: 0o644 });
    try {
      await run(SSHD, ["-t", "-f", join(dir, "sshd_config")]);
    } catch (err) {
      throw new Error(`sshd refused ${join(dir, "sshd_config")}: ${(err as { stderr?: string }).stderr ?? String(err)}`, { cause: err });
    }

    return new SshdInstance({
      port, user, dir, workDir, startTimeoutMs: init.startTimeoutMs,
      privateKey: await readFile(join(dir, "client_ed25519_key")),
      hostKeyFingerprint: fingerprintOfPublicKey(hostPub),
    });
  }

  get running(): boolean {
    return this.#server?.alive === true;
  }

  /** sshd's own log (-e: to stderr), with LogLevel VERBOSE. */
  get logFile(): string {
    return join(this.dir, "sshd.log");
  }

  /** Starts sshd (again) with the same port, keys and config; resolves once the port accepts connections. */
  async restart(): Promise<void> {
    if (this.running) return;
    const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" };
    const server = ServiceProcess.spawn(SSHD, ["-D", "-e", "-f", join(this.dir, "sshd_config")], env, this.logFile, this.dir, this.dir);
    this.#server = server;
    try {
      await waitForPort(this.port, this.#startTimeoutMs, () => server.alive);
    } catch (err) {
      throw new Error(`sshd did not start; see ${this.logFile}`, { cause: err });
    }
  }

  /** Stops sshd and ends every connection it accepted (and what those sessions started), like a host going down. */
  async stop(): Promise<void> {
    await this.#terminate("SIGTERM");
  }

  /** kill -9 of sshd and everything below it, as a crash would. */
  async kill(): Promise<void> {
    await this.#terminate("SIGKILL");
  }

  async #terminate(signal: NodeJS.Signals): Promise<void> {
    await keepingProcessAlive(async () => {
      const server = this.#server;
      const listener = server?.alive === true ? server.pid : undefined;
      // Snapshot while the listener lives: its connection processes are re-parented once it is gone.
      const below = [...new Set([...(listener === undefined ? [] : descendants(listener)), ...processesWithEnv(INSTANCE_ENV, instanceId(this.dir))])];
      signalAll(below, signal);
      await server?.signal(signal);
      if (!(await waitUntilGone(below, 5_000))) signalAll(below, "SIGKILL");
      // A session that was just starting when the snapshot was taken.
      const late = processesWithEnv(INSTANCE_ENV, instanceId(this.dir));
      signalAll(late, "SIGKILL");
      await waitUntilGone([...below, ...late], 5_000);
    });
  }

  /** Stops sshd and removes the instance directory and the work directory. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed ??= keepingProcessAlive(async () => {
      await this.stop();
      openInstances.delete(instanceId(this.dir));
      await rm(this.dir, { recursive: true, force: true });
      await rm(this.workDir, { recursive: true, force: true });
      await rm(authorizedKeysFile(this.dir), { force: true });
    });
    await this.#closed;
  }
}

/**
 * What session processes carry in COPR_TESTKIT_SSHD: the instance and the
 * pid of the process that owns it, so a reaper in another checkout or test
 * process can tell a live owner's sessions from leftovers.
 */
function instanceId(dir: string): string {
  return `${basename(dir)}@${process.pid}`;
}

function ownerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Keeps Node's event loop alive while `body` runs. ServiceProcess unrefs
 * its child and timers, so a script whose last await is a close() would
 * otherwise exit half-way (leaving the work directory behind).
 */
async function keepingProcessAlive<T>(body: () => Promise<T>): Promise<T> {
  const keep = setInterval(() => undefined, 1_000);
  try {
    return await body();
  } finally {
    clearInterval(keep);
  }
}

/** Instances of this process that are not closed yet, by id. */
const openInstances = new Set<string>();
let exitHooked = false;

/**
 * Session processes leave sshd's process group (setsid), so the reaper's
 * exit hook, which kills the listener's group, does not reach them: kill
 * them by their instance variable when this process exits.
 */
function registerInstance(id: string): void {
  openInstances.add(id);
  if (exitHooked) return;
  exitHooked = true;
  process.once("exit", () => {
    for (const open of openInstances) signalAll(processesWithEnv(INSTANCE_ENV, open), "SIGKILL");
  });
}

/**
 * Leftovers of instances whose owner died without closing them (the reaper
 * removed their instance directory): session processes still carrying
 * their variable, and their work directories in the builder's home.
 */
async function reapStaleSessions(home: string): Promise<void> {
  // Only leftovers of owners that are gone: other test processes (or other
  // checkouts on this machine) may run builder hosts right now.
  for (const { pid, value } of processesWithEnvVar(INSTANCE_ENV)) {
    const owner = Number(/@(\d+)$/.exec(value)?.[1]);
    if (!Number.isInteger(owner) || !ownerAlive(owner)) signalAll([pid], "SIGKILL");
  }
  for (const name of existsSync(home) ? readdirSync(home) : []) {
    const owner = Number(/^copr-\d+-(\d+)$/.exec(name)?.[1]);
    if (Number.isInteger(owner) && owner > 0 && !ownerAlive(owner)) await rm(join(home, name), { recursive: true, force: true });
  }
}

async function keygen(file: string): Promise<void> {
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "copr-testkit", "-f", file]);
}

/** `SHA256:<base64 without padding>` of the key blob in a .pub line, as `ssh-keygen -lf` prints it. */
function fingerprintOfPublicKey(pubLine: string): string {
  const blob = pubLine.trim().split(/\s+/)[1];
  if (blob === undefined) throw new Error(`not an OpenSSH public key line: ${pubLine}`);
  return `SHA256:${createHash("sha256").update(Buffer.from(blob, "base64")).digest("base64").replace(/=+$/, "")}`;
}

async function lookupUser(user: string): Promise<Account | undefined> {
  try {
    const { stdout } = await run("getent", ["passwd", user]);
    const fields = stdout.trim().split(":");
    const [uid, gid, home] = [Number(fields[2]), Number(fields[3]), fields[5]];
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || home === undefined || home === "") return undefined;
    return { uid, gid, home };
  } catch {
    return undefined;
  }
}

/** Root-owned directory (0755) for the instances' authorized keys files. */
const AUTHORIZED_KEYS_ROOT = "/var/lib/copr-testkit/authorized_keys";

function authorizedKeysFile(instanceDir: string): string {
  return join(AUTHORIZED_KEYS_ROOT, basename(instanceDir));
}

/** The builder user, created with a home and bash if missing. Refuses root. */
async function ensureUser(user: string): Promise<Account> {
  if (!/^[a-z_][a-z0-9_-]*$/.test(user)) throw new Error(`not a safe user name: ${user}`);
  for (let attempt = 1; ; attempt++) {
    const account = await lookupUser(user);
    if (account !== undefined) {
      if (account.uid === 0) throw new Error(`the builder user ${user} must not be root`);
      return account;
    }
    try {
      await run("useradd", ["--create-home", "--shell", "/bin/bash", user]);
    } catch (err) {
      // Another test file may be creating the same user (or holding the passwd lock): look again.
      if (attempt >= 5) throw new Error(`could not create the builder user ${user}`, { cause: err });
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/**
 * sshd's StrictModes refuses an authorized keys file unless it and every
 * directory above it are owned by root or the user and not writable by
 * group or others. The file here is root's; fail early with a clear message
 * instead of a bare "Authentication failed" later.
 */
async function assertStrictModesAccept(file: string): Promise<void> {
  for (let path = file; ; path = dirname(path)) {
    const s = await stat(path);
    if (s.uid !== 0 || (s.mode & 0o022) !== 0) {
      throw new Error(`sshd (StrictModes) would refuse ${file}: ${path} is not root-owned or is group/world-writable`);
    }
    if (path !== file && (s.mode & 0o001) === 0) {
      throw new Error(`sshd cannot read ${file} as the builder user: ${path} is not searchable by others`);
    }
    if (path === dirname(path)) return;
  }
}
