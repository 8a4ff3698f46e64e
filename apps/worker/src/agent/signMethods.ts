import { readdir, rename, stat, writeFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { AgentMethodError, type Agent } from "@copr/bus";
import { RepoError, Slots, chrootDir, checkOwnerOrProject } from "@copr/repo";
import { ProjectKeys, SignError } from "@copr/sign";
import { SignBatcher } from "./signBatcher.ts";

export const signArgsSchema = z.object({
  owner: z.string(),
  project: z.string(),
  chroot: z.string(),
  /** The build's result directory in the chroot's, e.g. `00000042-hello`. */
  build_dir: z.string().regex(/^\d{8,}-[A-Za-z0-9][A-Za-z0-9._+-]*$/, "must be a build's result directory such as 00000042-hello"),
});
export const signKeyArgsSchema = z.object({ owner: z.string(), project: z.string() });

export interface SignerOptions {
  /** copr-web's results root: packages are signed in place there, and each project's `pubkey.gpg` is written there. */
  resultsDir: string;
  /** The signer's keys (one GnuPG home per project); readable by the signer only. */
  keysDir: string;
  /** Mail domain of the keys' user ids. */
  keyDomain: string;
  /** rpmsign runs at once (the signer's slots). */
  slots: number;
}

/**
 * The signer's methods (Headhunter's third job type): `sign` signs one
 * build's packages of one chroot with the project's key, `sign-key` makes
 * the project's key. Both publish the project's public key as
 * `<results>/<owner>/<project>/pubkey.gpg`, the URL `.repo` files name in
 * `gpgkey=`. The private keys never leave this agent.
 */
export class SignMethods {
  readonly #o: SignerOptions;
  readonly #keys: ProjectKeys;
  readonly #slots: Slots;
  readonly #batcher: SignBatcher;

  constructor(o: SignerOptions) {
    this.#o = o;
    this.#keys = new ProjectKeys({ keysDir: o.keysDir, domain: o.keyDomain });
    this.#slots = new Slots(o.slots);
    this.#batcher = new SignBatcher(this.#slots, (owner, project, paths) => this.#keys.sign(owner, project, paths));
  }

  get slots(): { total: number; used: number } {
    return { total: this.#o.slots, used: this.#slots.inUse };
  }

  register(agent: Agent, callers: readonly string[]): void {
    agent.method("sign", {
      description: "Signs the RPMs of <results>/<owner>/<project>/<chroot>/<build_dir> in place with the project's key (made on first use).",
      args: signArgsSchema,
      callers,
      handler: async (a) => await failAsAgent(() => this.#sign(a)),
    });
    agent.method("sign-key", {
      description: "Makes the project's signing key (if it has none) and publishes its public key; answers its fingerprint.",
      args: signKeyArgsSchema,
      callers,
      handler: async (a) => await failAsAgent(async () => {
        const key = await this.#keys.ensure(a.owner, a.project);
        await this.#publishKey(a.owner, a.project, key.publicKey);
        return { fingerprint: key.fingerprint };
      }),
    });
  }

  async #sign(a: z.output<typeof signArgsSchema>): Promise<{ fingerprint: string; packages: number; bytes_added: number; duration_ms: number }> {
    const dir = join(chrootDir(this.#o.resultsDir, a), a.build_dir);
    const names = await readdir(dir).catch(() => null);
    const rpms = (names ?? []).filter((n) => n.endsWith(".rpm")).map((n) => join(dir, n));
    if (rpms.length === 0) {
      throw new SignError("NO_PACKAGES", names === null ? `${a.owner}/${a.project}/${a.chroot}/${a.build_dir} does not exist` : `${a.owner}/${a.project}/${a.chroot}/${a.build_dir} holds no package`);
    }
    const before = await totalBytes(rpms);
    const started = performance.now();
    const { fingerprint, publicKey } = await this.#batcher.sign(a.owner, a.project, rpms);
    const duration = performance.now() - started;
    await this.#publishKey(a.owner, a.project, publicKey);
    return { fingerprint, packages: rpms.length, bytes_added: (await totalBytes(rpms)) - before, duration_ms: Math.round(duration) };
  }

  /** Writes the project's pubkey.gpg (atomically) unless it is there already. */
  async #publishKey(owner: string, project: string, publicKey: string): Promise<void> {
    const dir = join(this.#o.resultsDir, checkOwnerOrProject("owner", owner), checkOwnerOrProject("project", project));
    const file = join(dir, "pubkey.gpg");
    if ((await readFile(file, "utf8").catch(() => null)) === publicKey) return;
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.pubkey.gpg-${process.pid}-${Math.random().toString(36).slice(2)}`);
    await writeFile(tmp, publicKey, { mode: 0o644 });
    await rename(tmp, file);
  }

  async close(): Promise<void> {
    await this.#keys.close();
  }
}

async function totalBytes(paths: readonly string[]): Promise<number> {
  const sizes = await Promise.all(paths.map(async (p) => (await stat(p)).size));
  return sizes.reduce((a, b) => a + b, 0);
}

/** A SignError reaches the caller with its code (Headhunter retries only what may succeed again). */
async function failAsAgent<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SignError) throw new AgentMethodError(error.code, error.message, { cause: error });
    if (error instanceof RepoError && error.code === "INVALID_NAME") throw new AgentMethodError("INVALID_NAME", error.message, { cause: error });
    throw error;
  }
}
