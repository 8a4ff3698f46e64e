import { execFile } from "node:child_process";
import { dirname } from "node:path";
import ssh2 from "ssh2";
import { z } from "zod";
import type { BusLogger } from "@copr/bus";
import type { BuilderHost } from "./builderConnection.ts";
import type { BuilderClaim, BuilderRequest, Provisioner } from "./provisioner.ts";
import type { SandboxLimits } from "./sandbox.ts";

export interface CommandProvisionerConfig {
  name: string;
  /** Run for each new builder; prints one JSON object: id, host, port, user, host_key_fingerprint. */
  allocate: string;
  /** Run with the builder's id as its argument to destroy it. */
  release: string;
  arches: string[];
  /** Builders (and so builds) at once. */
  slots: number;
  /** The worker's private key, which every allocated builder authorizes. */
  privateKey: string;
  workDir: string;
  limits?: SandboxLimits;
  /** How long an idle builder waits for another build of the same owner and project before it is released, ms. */
  idleMs: number;
  /** How long `allocate` may take, ms. */
  allocateTimeoutMs: number;
  /** More environment for both scripts (e.g. where they keep their state). */
  env?: Record<string, string>;
}

const allocated = z.object({
  id: z.string().regex(/^[A-Za-z0-9._:@-]{1,200}$/, "letters, digits and . _ : @ - only"),
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1).refine((u) => u !== "root", "builds must not run as root"),
  host_key_fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "SHA256:… as ssh-keygen -lf prints it"),
});

interface Builder {
  id: string;
  host: BuilderHost;
  /** owner/project/arch it serves: the only builds it may run */
  tenant: string;
}

interface Idle {
  builder: Builder;
  timer: NodeJS.Timeout;
}

/** The OpenSSH public key line of a private key, which each new builder is to authorize. */
export function publicKeyLine(privateKey: string): string {
  const key = ssh2.utils.parseKey(privateKey);
  if (key instanceof Error) throw new Error(`the provisioner's key_file is not a private key ssh2 can read: ${key.message}`);
  return `${key.type} ${key.getPublicSSH().toString("base64")}`;
}

/**
 * What an operator's script starts with: a plain PATH (with this Node's
 * directory), never the worker's own environment, which holds its token and
 * broker password.
 */
const SCRIPT_ENV = {
  PATH: `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
  LANG: "C.UTF-8",
};

/** Runs an operator's script; rejects with its stderr when it fails. */
function runScript(command: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: { ...SCRIPT_ENV, ...env }, timeout: timeoutMs, maxBuffer: 1024 * 1024, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else {
        const why = error.killed ? `did not finish within ${timeoutMs} ms` : `exited with ${String(error.code ?? error.signal)}`;
        reject(new Error(`${command} ${why}: ${stderr.trim().split("\n").slice(-3).join(" | ") || error.message}`));
      }
    });
  });
}

/**
 * Builders made on demand by the operator's `allocate` and `release`
 * commands, as Copr gets its VMs from resalloc. `allocate` gets the
 * worker's public key to authorize (COPR_BUILDER_AUTHORIZED_KEY) and who the
 * builder is for (COPR_BUILDER_OWNER, _PROJECT, _ARCH, _TASK). A builder serves one owner
 * and project: after a build it waits (idleMs) for the next build of the
 * same owner, project and arch, and any other build gets a fresh one. A
 * builder whose build did not end cleanly is released at once.
 */
export class CommandProvisioner implements Provisioner {
  readonly name: string;
  readonly arches: readonly string[];
  readonly slots: number;
  readonly #config: CommandProvisionerConfig;
  readonly #publicKey: string;
  readonly #log: BusLogger;
  /** builds holding a slot */
  #claimed = 0;
  readonly #idle: Idle[] = [];
  /** releases under way, awaited by close() */
  readonly #releasing = new Set<Promise<void>>();
  #closed = false;

  constructor(config: CommandProvisionerConfig, log: BusLogger) {
    this.name = config.name;
    this.arches = config.arches;
    this.slots = config.slots;
    this.#config = config;
    this.#publicKey = publicKeyLine(config.privateKey);
    this.#log = log;
  }

  claim(request: BuilderRequest): BuilderClaim | undefined {
    if (this.#closed || !this.arches.includes(request.arch) || this.#claimed >= this.slots) return undefined;
    this.#claimed++;
    const tenant = `${request.owner}/${request.project}/${request.arch}`;
    let builder: Builder | undefined;
    let released = false;
    return {
      label: `${this.name} (a builder for ${request.owner}/${request.project})`,
      builder: async () => {
        builder = this.#reuse(tenant) ?? (await this.#allocate(tenant, request));
        return builder.host;
      },
      release: async (reusable) => {
        if (released) return;
        released = true;
        this.#claimed--;
        if (builder === undefined) return;
        if (reusable && !this.#closed) this.#park(builder);
        else await this.#destroy(builder);
      },
    };
  }

  /** An idle builder of the same owner, project and arch, if one waits. */
  #reuse(tenant: string): Builder | undefined {
    const i = this.#idle.findIndex((e) => e.builder.tenant === tenant);
    if (i < 0) return undefined;
    const [entry] = this.#idle.splice(i, 1);
    if (entry === undefined) return undefined;
    clearTimeout(entry.timer);
    this.#log.info({ provisioner: this.name, builder: entry.builder.id, tenant }, "reusing an idle builder of the same owner and project");
    return entry.builder;
  }

  async #allocate(tenant: string, request: BuilderRequest): Promise<Builder> {
    // Idle builders of others count against the slots: give back the oldest first.
    while (this.#idle.length > 0 && this.#idle.length + this.#claimed > this.slots) {
      const entry = this.#idle.shift();
      if (entry !== undefined) {
        clearTimeout(entry.timer);
        await this.#destroy(entry.builder);
      }
    }
    let out: string;
    try {
      out = await runScript(this.#config.allocate, [], {
        ...this.#config.env,
        COPR_BUILDER_AUTHORIZED_KEY: this.#publicKey,
        COPR_BUILDER_OWNER: request.owner, COPR_BUILDER_PROJECT: request.project, COPR_BUILDER_ARCH: request.arch, COPR_BUILDER_TASK: request.task,
      }, this.#config.allocateTimeoutMs);
    } catch (error) {
      throw new Error(`allocating a builder (${this.name}) failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    let parsed: z.output<typeof allocated>;
    try {
      const lines = out.trim().split("\n");
      parsed = allocated.parse(JSON.parse(lines[lines.length - 1] ?? ""));
    } catch (error) {
      // A builder we cannot name cannot be released by us: say so, with what the script printed.
      throw new Error(`allocating a builder (${this.name}) failed: ${this.#config.allocate} must print one JSON object ` +
        `{"id", "host", "port", "user", "host_key_fingerprint"} as its last line; it printed ${JSON.stringify(out.slice(-300))}` +
        ` (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
    const c = this.#config;
    const host: BuilderHost = {
      name: `${this.name}-${parsed.id}`, host: parsed.host, port: parsed.port, user: parsed.user, privateKey: c.privateKey,
      hostKeyFingerprint: parsed.host_key_fingerprint, arches: [request.arch], slots: 1, workDir: c.workDir,
      ...(c.limits === undefined ? {} : { limits: c.limits }),
    };
    this.#log.info({ provisioner: this.name, builder: parsed.id, tenant, host: `${parsed.user}@${parsed.host}:${parsed.port}` }, "allocated a builder");
    return { id: parsed.id, host, tenant };
  }

  #park(builder: Builder): void {
    const timer = setTimeout(() => {
      const i = this.#idle.findIndex((e) => e.builder === builder);
      if (i >= 0) this.#idle.splice(i, 1);
      void this.#destroy(builder);
    }, this.#config.idleMs);
    timer.unref();
    this.#idle.push({ builder, timer });
  }

  #destroy(builder: Builder): Promise<void> {
    const done = runScript(this.#config.release, [builder.id], { ...this.#config.env }, this.#config.allocateTimeoutMs).then(
      () => this.#log.info({ provisioner: this.name, builder: builder.id }, "released a builder"),
      (error: unknown) => this.#log.error({ provisioner: this.name, builder: builder.id, err: error instanceof Error ? error.message : String(error) }, "releasing a builder failed; it may still be running"),
    );
    this.#releasing.add(done);
    void done.finally(() => this.#releasing.delete(done));
    return done;
  }

  /** Number of builders waiting for their owner and project's next build. */
  get idle(): number {
    return this.#idle.length;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#idle.splice(0)) {
      clearTimeout(entry.timer);
      void this.#destroy(entry.builder);
    }
    await Promise.all([...this.#releasing]);
  }
}
