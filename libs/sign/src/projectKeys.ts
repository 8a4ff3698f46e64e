import { execFile } from "node:child_process";
import { mkdir, chmod } from "node:fs/promises";
import { promisify } from "node:util";
import { SignError } from "./signErrors.ts";

const run = promisify(execFile);

/** A project's signing key: what packages are signed with and what dnf users import. */
export interface ProjectKey {
  /** 40 hex digits */
  fingerprint: string;
  /** ASCII-armored public key, served at a stable URL for `gpgkey=` */
  publicKey: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;

/** The user id of a project's key, as Copr names them: `owner_project (None) <owner#project@copr.fedorahosted.org>` in spirit. */
export function keyUserId(owner: string, project: string, domain: string): string {
  if (!NAME.test(owner) || !NAME.test(project)) throw new SignError("INVALID_NAME", `"${owner}/${project}" cannot name a signing key`);
  return `${owner}_${project} (Copr) <${owner}#${project}@${domain}>`;
}

/**
 * Per-project signing keys in one GnuPG home that only the signer reads:
 * RSA 4096, signing only, no expiry (so installed clients never meet an
 * expired key; a compromised key is replaced by a new project key), no
 * passphrase (the home directory's permissions protect it). Creating a key
 * that exists returns it.
 */
export class ProjectKeys {
  readonly #home: string;
  readonly #domain: string;

  constructor(options: { gnupgHome: string; domain: string }) {
    this.#home = options.gnupgHome;
    this.#domain = options.domain;
  }

  get gnupgHome(): string {
    return this.#home;
  }

  async #gpg(args: readonly string[]): Promise<string> {
    await mkdir(this.#home, { recursive: true, mode: 0o700 });
    await chmod(this.#home, 0o700);
    const { stdout } = await run("gpg", ["--homedir", this.#home, "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", "", ...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  }

  /** Stops the gpg-agent that gpg started for this home. Safe twice. */
  async close(): Promise<void> {
    await run("gpgconf", ["--homedir", this.#home, "--kill", "all"]).catch(() => undefined);
  }

  /** The fingerprint of the project's key, or null when it has none yet. */
  async find(owner: string, project: string): Promise<string | null> {
    const uid = keyUserId(owner, project, this.#domain);
    const out = await this.#gpg(["--with-colons", "--list-secret-keys", `=${uid}`]).catch(() => "");
    const fpr = out.split("\n").find((l) => l.startsWith("fpr:"))?.split(":")[9];
    return fpr !== undefined && /^[0-9A-F]{40}$/.test(fpr) ? fpr : null;
  }

  /** The project's key, created on first use. */
  async ensure(owner: string, project: string): Promise<ProjectKey> {
    const uid = keyUserId(owner, project, this.#domain);
    let fingerprint = await this.find(owner, project);
    if (fingerprint === null) {
      try {
        await this.#gpg(["--quick-gen-key", uid, "rsa4096", "sign", "never"]);
      } catch (cause) {
        throw new SignError("KEY_FAILED", `gpg could not create the key of ${owner}/${project}: ${(cause as Error).message}`, { cause });
      }
      fingerprint = await this.find(owner, project);
      if (fingerprint === null) throw new SignError("KEY_FAILED", `gpg created no key for ${owner}/${project}`);
    }
    const publicKey = await this.#gpg(["--armor", "--export", fingerprint]);
    if (!publicKey.includes("BEGIN PGP PUBLIC KEY BLOCK")) throw new SignError("KEY_FAILED", `gpg exported no public key for ${owner}/${project}`);
    return { fingerprint, publicKey };
  }
}
