import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { SignError } from "./signErrors.ts";
import { signRpms } from "./signRpms.ts";

const run = promisify(execFile);

/** A project's signing key: what packages are signed with and what dnf users import. */
export interface ProjectKey {
  /** 40 hex digits */
  fingerprint: string;
  /** ASCII-armored public key, served at a stable URL for `gpgkey=` */
  publicKey: string;
}

export interface ProjectKeysOptions {
  /** Directory of the keys: one GnuPG home per project under it. Only the signer may read it. */
  keysDir: string;
  /** Mail domain of the keys' user ids: `owner_project (Copr) <owner#project@DOMAIN>`. */
  domain: string;
  /** gpg's algorithm for new keys; default "rsa3072" (GnuPG's own default; rpm on every supported EL and Fedora verifies it). */
  algorithm?: string;
  /** gpg-agents (one per recently used project) kept running; the least recently used idle one is stopped beyond this. Default 32. */
  maxAgents?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;

/** The user id of a project's key, in the form Copr uses: `owner_project (Copr) <owner#project@domain>`. */
export function keyUserId(owner: string, project: string, domain: string): string {
  if (!NAME.test(owner) || !NAME.test(project)) throw new SignError("INVALID_NAME", `"${owner}/${project}" cannot name a signing key`);
  return `${owner}_${project} (Copr) <${owner}#${project}@${domain}>`;
}

/**
 * Per-project signing keys, one GnuPG home per project (`<keysDir>/p-<hash>`,
 * short enough for gpg-agent's socket path whatever the names' length; a
 * `PROJECT` file in it names the project): a lookup never scans other
 * projects' keys, and projects sign side by side, each through its own
 * gpg-agent. Keys are RSA, signing only, without expiry (installed clients
 * never meet an expired key; a compromised key is replaced by a new one),
 * without passphrase (the directory's permissions protect them).
 *
 * A new key is made in a temporary home and renamed into place, so several
 * signers sharing `keysDir` (on one host or a shared file system) agree on
 * one key per project: whoever renames first wins, the others use it.
 */
export class ProjectKeys {
  readonly #dir: string;
  readonly #domain: string;
  readonly #algorithm: string;
  readonly #maxAgents: number;
  /** Known keys by home (a home's key never changes). */
  readonly #known = new Map<string, ProjectKey>();
  /** Key creations in progress in this process, by home. */
  readonly #creating = new Map<string, Promise<ProjectKey>>();
  /** Homes whose gpg-agent may run, least recently used first, with how many signings use them now. */
  readonly #agents = new Map<string, number>();

  constructor(options: ProjectKeysOptions) {
    this.#dir = options.keysDir;
    this.#domain = options.domain;
    this.#algorithm = options.algorithm ?? "rsa3072";
    this.#maxAgents = options.maxAgents ?? 32;
    if (!/^[a-z0-9]+$/.test(this.#algorithm)) throw new SignError("KEY_FAILED", `"${this.#algorithm}" is not a gpg algorithm name such as rsa3072`);
  }

  /** The GnuPG home of a project's key. */
  homeOf(owner: string, project: string): string {
    keyUserId(owner, project, this.#domain);
    return join(this.#dir, `p-${createHash("sha256").update(`${owner}/${project}`).digest("hex").slice(0, 24)}`);
  }

  /** The project's key, or null when it has none yet. */
  async find(owner: string, project: string): Promise<ProjectKey | null> {
    const home = this.homeOf(owner, project);
    const known = this.#known.get(home);
    if (known !== undefined) return known;
    const fingerprint = (await readFile(join(home, "FINGERPRINT"), "utf8").catch(() => "")).trim();
    if (!/^[0-9A-F]{40}$/.test(fingerprint)) return null;
    const publicKey = await readFile(join(home, "pubkey.asc"), "utf8");
    const key = { fingerprint, publicKey };
    this.#known.set(home, key);
    return key;
  }

  /** The project's key, created on first use. */
  async ensure(owner: string, project: string): Promise<ProjectKey> {
    const found = await this.find(owner, project);
    if (found !== null) return found;
    const home = this.homeOf(owner, project);
    let creating = this.#creating.get(home);
    if (creating === undefined) {
      creating = this.#create(owner, project, home).finally(() => this.#creating.delete(home));
      this.#creating.set(home, creating);
    }
    return await creating;
  }

  /** Signs RPM files in place with the project's key (created on first use); returns that key. */
  async sign(owner: string, project: string, paths: readonly string[]): Promise<ProjectKey> {
    const key = await this.ensure(owner, project);
    const home = this.homeOf(owner, project);
    this.#agents.set(home, (this.#agents.get(home) ?? 0) + 1);
    try {
      await signRpms(home, key.fingerprint, paths);
      return key;
    } finally {
      const users = (this.#agents.get(home) ?? 1) - 1;
      // Most recently used goes last.
      this.#agents.delete(home);
      this.#agents.set(home, users);
      await this.#stopIdleAgents();
    }
  }

  /** Stops every gpg-agent this object started. Safe twice. */
  async close(): Promise<void> {
    const homes = [...this.#agents.keys()];
    this.#agents.clear();
    await Promise.all(homes.map((h) => stopAgent(h)));
  }

  async #stopIdleAgents(): Promise<void> {
    const idle = [...this.#agents].filter(([, users]) => users === 0).map(([home]) => home);
    const excess = this.#agents.size - this.#maxAgents;
    const stop = idle.slice(0, Math.max(0, excess));
    for (const home of stop) this.#agents.delete(home);
    await Promise.all(stop.map((h) => stopAgent(h)));
  }

  async #create(owner: string, project: string, home: string): Promise<ProjectKey> {
    const uid = keyUserId(owner, project, this.#domain);
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.#dir, `.new-${randomBytes(8).toString("hex")}`);
    try {
      await mkdir(tmp, { mode: 0o700 });
      await chmod(tmp, 0o700);
      try {
        await gpg(tmp, ["--quick-gen-key", uid, this.#algorithm, "sign", "never"]);
      } catch (cause) {
        throw new SignError("KEY_FAILED", `gpg could not create the key of ${owner}/${project}: ${stderrOf(cause)}`, { cause });
      }
      const listing = await gpg(tmp, ["--with-colons", "--list-secret-keys"]);
      const fingerprint = listing.split("\n").find((l) => l.startsWith("fpr:"))?.split(":")[9];
      if (fingerprint === undefined || !/^[0-9A-F]{40}$/.test(fingerprint)) throw new SignError("KEY_FAILED", `gpg created no key for ${owner}/${project}`);
      const publicKey = await gpg(tmp, ["--armor", "--export", fingerprint]);
      if (!publicKey.includes("BEGIN PGP PUBLIC KEY BLOCK")) throw new SignError("KEY_FAILED", `gpg exported no public key for ${owner}/${project}`);
      await writeFile(join(tmp, "pubkey.asc"), publicKey);
      await writeFile(join(tmp, "PROJECT"), `${owner}/${project}\n`);
      // Written last: a home with FINGERPRINT is complete.
      await writeFile(join(tmp, "FINGERPRINT"), `${fingerprint}\n`);
      // The agent's sockets belong to the temporary path: stop it before the move.
      await stopAgent(tmp);
      try {
        await rename(tmp, home);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
        // Another signer made this project's key first: use that one.
      }
    } finally {
      await stopAgent(tmp);
      await rm(tmp, { recursive: true, force: true });
    }
    const key = await this.find(owner, project);
    if (key === null) throw new SignError("KEY_FAILED", `the key of ${owner}/${project} is not in ${home} after it was made`);
    return key;
  }
}

async function gpg(home: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run("gpg", ["--homedir", home, "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", "", ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

async function stopAgent(home: string): Promise<void> {
  await run("gpgconf", ["--homedir", home, "--kill", "all"]).catch(() => undefined);
}

function stderrOf(cause: unknown): string {
  const stderr = (cause as { stderr?: unknown }).stderr;
  return typeof stderr === "string" && stderr.trim() !== "" ? stderr.trim().split("\n").slice(-3).join("; ") : (cause as Error).message;
}
