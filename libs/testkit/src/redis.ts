import { servicePath } from "./env.ts";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "./ports.ts";
import { infraDir, tmpRoot } from "./paths.ts";
import { ServiceProcess } from "./process.ts";
import { reapStale } from "./reaper.ts";

const REDIS_SERVER = "/usr/bin/redis-server";

/**
 * The ACL users that infra/redis/users.acl declares (the default user is
 * off): one per component, plus the ones replicas and Sentinels log in as.
 */
export const redisUsers = ["headhunter", "copr-web", "copr-admin", "replication", "sentinel"] as const;
export type RedisUser = (typeof redisUsers)[number];

/**
 * infra/redis/users.acl with each user switched on with its password (as
 * its sha256, the way an operator enables it); the default user stays off.
 */
export async function aclWithPasswords(passwords: Readonly<Record<RedisUser, string>>): Promise<string> {
  const template = await readFile(join(infraDir, "redis/users.acl"), "utf8");
  const seen = new Set<string>();
  const lines = template.split("\n").map((line) => {
    const m = /^user (\S+) off( .*)?$/.exec(line);
    const name = m?.[1];
    if (m === null || name === undefined || name === "default") return line;
    const password = passwords[name as RedisUser] as string | undefined;
    if (password === undefined) throw new Error(`infra/redis/users.acl declares user ${name} that the test kit does not know`);
    seen.add(name);
    return `user ${name} on #${createHash("sha256").update(password).digest("hex")}${m[2] ?? ""}`;
  });
  const missing = redisUsers.filter((u) => !seen.has(u));
  if (missing.length > 0) throw new Error(`infra/redis/users.acl has no user ${missing.join(", ")}`);
  return lines.join("\n");
}

/** A new random password for each ACL user. */
export function newRedisPasswords(): Record<RedisUser, string> {
  return Object.fromEntries(redisUsers.map((u) => [u, randomBytes(12).toString("hex")])) as Record<RedisUser, string>;
}

export interface RedisOptions {
  /** Directory for the AOF/RDB files and logs; default: a new folder under .tmp/. */
  dir?: string;
  /** How long to wait for the server to answer PING, ms. Default 15 000. */
  startTimeoutMs?: number;
  /** Password per ACL user; default: new random ones. Servers that replicate from each other share them. */
  passwords?: Readonly<Record<RedisUser, string>>;
  /**
   * Directives appended to the instance's copy of redis.conf (e.g. replicaof,
   * masteruser). In the file rather than on the command line because Sentinel
   * rewrites the file (CONFIG REWRITE) when it re-points a server, and a
   * restart must keep that role where command-line arguments would override it.
   */
  config?: readonly string[];
}

/**
 * A private Redis server for dev and test, configured by the production
 * infra/redis/redis.conf (AOF on) and infra/redis/users.acl (a user per
 * component, each with a generated password); only port, bind address,
 * data dir, logfile, aclfile and daemonize are overridden on the command line.
 * The server reads its own copy of redis.conf, so a CONFIG REWRITE (Sentinel
 * sends one on failover) never edits the repository's file.
 */
export class RedisInstance {
  readonly port: number;
  readonly dir: string;
  readonly passwords: Readonly<Record<RedisUser, string>>;
  readonly #startTimeoutMs: number;
  #server: ServiceProcess | undefined;

  private constructor(init: { port: number; dir: string; startTimeoutMs: number; passwords: Record<RedisUser, string> }) {
    this.port = init.port;
    this.dir = init.dir;
    this.passwords = Object.freeze(init.passwords);
    this.#startTimeoutMs = init.startTimeoutMs;
  }

  static async start(options: RedisOptions = {}): Promise<RedisInstance> {
    reapStale(tmpRoot);
    const startTimeoutMs = options.startTimeoutMs ?? 15_000;
    // The port comes from a probe that released it again; if someone else
    // takes it before redis-server binds, try another one.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const dir = options.dir ?? join(tmpRoot, `redis-${port}-${randomBytes(3).toString("hex")}`);
      await mkdir(dir, { recursive: true });
      const passwords = { ...(options.passwords ?? newRedisPasswords()) };
      await writeFile(join(dir, "users.acl"), await aclWithPasswords(passwords), { mode: 0o600 });
      const config = await readFile(join(infraDir, "redis/redis.conf"), "utf8");
      const extra = options.config ?? [];
      await writeFile(join(dir, "redis.conf"), extra.length === 0 ? config : `${config}\n# Added by the test kit\n${extra.join("\n")}\n`, { mode: 0o600 });
      const instance = new RedisInstance({ port, dir, startTimeoutMs, passwords });
      try {
        await instance.restart();
        return instance;
      } catch (err) {
        const exitedEarly = !instance.running;
        if (options.dir === undefined) await instance.close();
        else await instance.stop();
        if (!exitedEarly || attempt >= 3) throw err;
      }
    }
  }

  /** redis://USER:PASSWORD@127.0.0.1:PORT for one of the ACL users. */
  url(user: RedisUser): string {
    return `redis://${user}:${this.passwords[user]}@127.0.0.1:${this.port}`;
  }

  /** A URL per ACL user. */
  get urls(): Record<RedisUser, string> {
    return Object.fromEntries(redisUsers.map((u) => [u, this.url(u)])) as Record<RedisUser, string>;
  }

  get running(): boolean {
    return this.#server?.alive === true;
  }

  #args(): string[] {
    return [
      join(this.dir, "redis.conf"),
      "--port", String(this.port),
      "--bind", "127.0.0.1",
      "--dir", this.dir,
      "--logfile", join(this.dir, "redis.log"),
      "--aclfile", join(this.dir, "users.acl"),
      "--daemonize", "no",
    ];
  }

  /** Starts the server (again) on the same port and dir; resolves once it answers PING (data loaded from the AOF). */
  async restart(): Promise<void> {
    if (this.running) return;
    const env = { PATH: servicePath(), LANG: "C.UTF-8" };
    const server = ServiceProcess.spawn(REDIS_SERVER, this.#args(), env, join(this.dir, "process.log"), this.dir, this.dir);
    this.#server = server;
    const deadline = Date.now() + this.#startTimeoutMs;
    for (;;) {
      if (!server.alive) throw new Error(`redis-server exited while starting; see ${join(this.dir, "redis.log")}`);
      if (await ping(this.port, this.passwords["copr-admin"])) return;
      if (Date.now() > deadline) {
        throw new Error(`redis-server did not answer PING within ${this.#startTimeoutMs} ms; see ${join(this.dir, "redis.log")}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Graceful stop (SIGTERM): Redis flushes and fsyncs the AOF before it exits. */
  async stop(): Promise<void> {
    await this.#server?.signal("SIGTERM");
  }

  /** kill -9, as a crash would. */
  async kill(): Promise<void> {
    await this.#server?.signal("SIGKILL");
  }

  /** Stops the server and removes the data directory. Safe to call twice. */
  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * AUTH as copr-admin and one PING over a raw TCP connection; true when the
 * answers are +OK and +PONG (a server still loading its AOF answers
 * -LOADING instead).
 */
async function ping(port: number, adminPassword: string, timeoutMs = 1_000): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let answer = "";
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.setEncoding("utf8");
    socket.once("connect", () => socket.write(`AUTH copr-admin ${adminPassword}\r\nPING\r\n`));
    socket.on("data", (chunk: string) => {
      answer += chunk;
      const lines = answer.split("\r\n");
      if (lines.length >= 3) done(lines[0] === "+OK" && lines[1] === "+PONG");
      else if (answer.startsWith("-")) done(false);
    });
    socket.once("error", () => done(false));
    socket.once("close", () => done(false));
  });
}
