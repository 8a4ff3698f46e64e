import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { servicePath } from "./env.ts";
import { freePort } from "./ports.ts";
import { infraDir, tmpRoot } from "./paths.ts";
import { ServiceProcess } from "./process.ts";
import { reapStale } from "./reaper.ts";
import { newRedisPasswords, RedisInstance, type RedisUser } from "./redis.ts";
import { until } from "./until.ts";

const REDIS_SERVER = "/usr/bin/redis-server";
/** The name infra/redis/sentinel.conf monitors the group by; clients ask Sentinel for it. */
const MASTER_NAME = "copr";

export interface RedisSentinelGroupOptions {
  /** Sentinel's down-after-milliseconds. Default 1 000 (production: 2 000), so a failover takes a few seconds. */
  downAfterMs?: number;
  /** Sentinel's failover-timeout, ms. Default 5 000 (production: 10 000). */
  failoverTimeoutMs?: number;
  /** How long to wait for each server to answer, and for replication and Sentinel discovery to settle, ms. Default 30 000. */
  startTimeoutMs?: number;
}

export interface SentinelAddress {
  host: string;
  port: number;
}

/** What ioredis needs to find the master through Sentinel: `new Redis(group.redisOptions("headhunter"))`. */
export interface SentinelClientOptions {
  sentinels: SentinelAddress[];
  name: string;
  username: string;
  password: string;
}

/**
 * A Redis Sentinel group for tests, all on 127.0.0.1: one master and two
 * replicas (each a RedisInstance, configured like production by
 * infra/redis/redis.conf and users.acl, sharing one set of passwords) and
 * three Sentinels made from infra/redis/sentinel.conf, quorum 2.
 */
export class RedisSentinelGroup {
  readonly masterName = MASTER_NAME;
  readonly passwords: Readonly<Record<RedisUser, string>>;
  readonly #nodes: RedisInstance[] = [];
  readonly #sentinels: SentinelProcess[] = [];
  readonly #startTimeoutMs: number;
  /** The master as last seen by start(), masterPort() or waitForFailover(). */
  #masterPort = 0;

  private constructor(passwords: Record<RedisUser, string>, startTimeoutMs: number) {
    this.passwords = Object.freeze(passwords);
    this.#startTimeoutMs = startTimeoutMs;
  }

  /** Starts the data servers, waits for both replicas to sync, then starts the Sentinels and waits until each knows the whole group. */
  static async start(options: RedisSentinelGroupOptions = {}): Promise<RedisSentinelGroup> {
    reapStale(tmpRoot);
    const startTimeoutMs = options.startTimeoutMs ?? 30_000;
    const group = new RedisSentinelGroup(newRedisPasswords(), startTimeoutMs);
    try {
      await group.#startNodes();
      await group.#startSentinels(options.downAfterMs ?? 1_000, options.failoverTimeoutMs ?? 5_000);
      return group;
    } catch (err) {
      await group.close().catch(() => undefined);
      throw err;
    }
  }

  async #startNodes(): Promise<void> {
    const passwords = this.passwords;
    const replication = [
      // Every node may become a replica after a failover, so every node can log in to a master.
      "masteruser replication", `masterauth ${passwords.replication}`,
      // Start the first full sync once both replicas ask rather than after repl-diskless-sync-delay (5 s).
      "repl-diskless-sync-max-replicas 2",
    ];
    const master = await RedisInstance.start({ passwords, config: replication, startTimeoutMs: this.#startTimeoutMs });
    this.#nodes.push(master);
    this.#masterPort = master.port;
    const replicas = await Promise.allSettled([1, 2].map(() =>
      RedisInstance.start({ passwords, config: [...replication, `replicaof 127.0.0.1 ${master.port}`], startTimeoutMs: this.#startTimeoutMs })));
    for (const r of replicas) if (r.status === "fulfilled") this.#nodes.push(r.value);
    for (const r of replicas) if (r.status === "rejected") throw r.reason;
    const admin = this.#login("copr-admin");
    for (const replica of this.#nodes.slice(1)) {
      await until(async () => /^master_link_status:up\r?$/m.test(String(await tryAsk(replica.port, ["INFO", "replication"], admin))),
        this.#startTimeoutMs, `replica ${replica.port} to sync from master ${master.port}`, 50);
    }
  }

  async #startSentinels(downAfterMs: number, failoverTimeoutMs: number): Promise<void> {
    const template = await readFile(join(infraDir, "redis/sentinel.conf"), "utf8");
    const conf = (port: number, dir: string): string => sentinelConf(template, {
      port, dir, masterPort: this.#masterPort, password: this.passwords.sentinel, downAfterMs, failoverTimeoutMs,
    });
    const started = await Promise.allSettled([1, 2, 3].map(() => SentinelProcess.start(conf, this.#startTimeoutMs)));
    for (const s of started) if (s.status === "fulfilled") this.#sentinels.push(s.value);
    for (const s of started) if (s.status === "rejected") throw s.reason;
    for (const sentinel of this.#sentinels) {
      await until(async () => {
        const master = fields(await tryAsk(sentinel.port, ["SENTINEL", "MASTER", MASTER_NAME]));
        return master?.get("num-slaves") === "2" && master.get("num-other-sentinels") === "2";
      }, this.#startTimeoutMs, `Sentinel ${sentinel.port} to find both replicas and the other Sentinels`, 100);
    }
  }

  /** The Sentinels' addresses (also the stopped ones). */
  get sentinels(): SentinelAddress[] {
    return this.#sentinels.map((s) => ({ host: "127.0.0.1", port: s.port }));
  }

  /** Ports of the three data servers, the master among them (also the stopped ones). */
  get redisPorts(): number[] {
    return this.#nodes.map((n) => n.port);
  }

  /** redis://USER:PASSWORD@127.0.0.1:PORT of the master as last seen (start(), masterPort(), waitForFailover()). */
  url(user: RedisUser): string {
    return `redis://${user}:${this.passwords[user]}@127.0.0.1:${this.#masterPort}`;
  }

  /** ioredis options that find the master through the Sentinels, and find it again after a failover. */
  redisOptions(user: RedisUser): SentinelClientOptions {
    return { sentinels: this.sentinels, name: MASTER_NAME, ...this.#login(user) };
  }

  /** The master's port as the first Sentinel that answers reports it. */
  async masterPort(): Promise<number> {
    for (const sentinel of this.#sentinels) {
      if (!sentinel.running) continue;
      const port = await sentinelMasterPort(sentinel.port);
      if (port !== undefined) {
        this.#masterPort = port;
        return port;
      }
    }
    throw new Error("no running Sentinel reports a master");
  }

  /** kill -9 of the current master (its whole process group); returns its port. */
  async killMaster(): Promise<number> {
    const port = await this.masterPort();
    await this.kill(port);
    return port;
  }

  /**
   * Resolves with the new master's port once a Sentinel reports a master
   * other than `oldPort` and that server answers ROLE as master.
   */
  async waitForFailover(oldPort: number, timeoutMs: number): Promise<number> {
    const admin = this.#login("copr-admin");
    let found: number | undefined;
    await until(async () => {
      for (const sentinel of this.#sentinels) {
        if (!sentinel.running) continue;
        const port = await sentinelMasterPort(sentinel.port);
        if (port === undefined || port === oldPort) continue;
        const role = await tryAsk(port, ["ROLE"], admin);
        if (Array.isArray(role) && role[0] === "master") {
          found = port;
          return true;
        }
      }
      return false;
    }, timeoutMs, `Sentinel to promote a new master in place of ${oldPort}`, 100);
    if (found === undefined) throw new Error("unreachable: until() resolved without a master");
    this.#masterPort = found;
    return found;
  }

  /** Whether the data server or Sentinel on `port` is running. */
  running(port: number): boolean {
    return this.#member(port).running;
  }

  /** kill -9 of the data server or Sentinel on `port`, as a crash would. */
  async kill(port: number): Promise<void> {
    await this.#member(port).kill();
  }

  /**
   * Starts the data server or Sentinel on `port` again with its own files: a
   * server with its data and its config as Sentinel last rewrote it, a
   * Sentinel with the state it recorded.
   */
  async restart(port: number): Promise<void> {
    await this.#member(port).restart();
  }

  /** Stops the Sentinels (first, so they do not fail over a group that is shutting down), then the servers; removes every directory. Safe to call twice. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    const collect = (results: PromiseSettledResult<void>[]): void => {
      for (const r of results) if (r.status === "rejected") errors.push(r.reason);
    };
    collect(await Promise.allSettled(this.#sentinels.map((s) => s.close())));
    collect(await Promise.allSettled(this.#nodes.map((n) => n.close())));
    if (errors.length > 0) throw new AggregateError(errors, `closing the Redis Sentinel group failed: ${errors.map(String).join("; ")}`);
  }

  #member(port: number): RedisInstance | SentinelProcess {
    const member = this.#nodes.find((n) => n.port === port) ?? this.#sentinels.find((s) => s.port === port);
    if (member === undefined) throw new Error(`no server or Sentinel of this group on port ${port}`);
    return member;
  }

  #login(user: RedisUser): { username: string; password: string } {
    return { username: user, password: this.passwords[user] };
  }
}

/**
 * One Sentinel process with its own directory and its own copy of the
 * config, which Sentinel rewrites as it learns the group (so a restart
 * comes back with what it knew).
 */
class SentinelProcess {
  readonly port: number;
  readonly dir: string;
  readonly #startTimeoutMs: number;
  #process: ServiceProcess | undefined;

  private constructor(port: number, dir: string, startTimeoutMs: number) {
    this.port = port;
    this.dir = dir;
    this.#startTimeoutMs = startTimeoutMs;
  }

  /** As RedisInstance.start: a port taken by someone else between probe and bind means another try on a new one. */
  static async start(conf: (port: number, dir: string) => string, startTimeoutMs: number): Promise<SentinelProcess> {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const dir = join(tmpRoot, `sentinel-${port}-${randomBytes(3).toString("hex")}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "sentinel.conf"), conf(port, dir), { mode: 0o600 });
      const sentinel = new SentinelProcess(port, dir, startTimeoutMs);
      try {
        await sentinel.restart();
        return sentinel;
      } catch (err) {
        const exitedEarly = !sentinel.running;
        await sentinel.close();
        if (!exitedEarly || attempt >= 3) throw err;
      }
    }
  }

  get running(): boolean {
    return this.#process?.alive === true;
  }

  /** Starts the Sentinel (again) from its config file; resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.running) return;
    const env = { PATH: servicePath(), LANG: "C.UTF-8" };
    const server = ServiceProcess.spawn(REDIS_SERVER, [join(this.dir, "sentinel.conf"), "--sentinel"], env, join(this.dir, "process.log"), this.dir, this.dir);
    this.#process = server;
    const log = join(this.dir, "sentinel.log");
    await until(async () => {
      if (!server.alive) throw new Error(`redis-server --sentinel exited while starting; see ${log}`);
      return (await tryAsk(this.port, ["PING"])) === "PONG";
    }, this.#startTimeoutMs, `Sentinel on port ${this.port} to answer PING (see ${log})`, 50);
  }

  async kill(): Promise<void> {
    await this.#process?.signal("SIGKILL");
  }

  async close(): Promise<void> {
    await this.#process?.signal("SIGTERM");
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * infra/redis/sentinel.conf with the lines that differ per test Sentinel
 * replaced; throws if the file lacks one of them, so the template and the
 * test kit cannot drift apart unnoticed.
 */
function sentinelConf(template: string, s: {
  port: number; dir: string; masterPort: number; password: string; downAfterMs: number; failoverTimeoutMs: number;
}): string {
  const replacements = new Map<string, string>([
    ["port", `port ${s.port}`],
    ["bind", "bind 127.0.0.1"],
    ["dir", `dir ${s.dir}`],
    ["logfile", `logfile ${join(s.dir, "sentinel.log")}`],
    [`sentinel monitor ${MASTER_NAME}`, `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${s.masterPort} 2`],
    [`sentinel auth-pass ${MASTER_NAME}`, `sentinel auth-pass ${MASTER_NAME} ${s.password}`],
    [`sentinel down-after-milliseconds ${MASTER_NAME}`, `sentinel down-after-milliseconds ${MASTER_NAME} ${s.downAfterMs}`],
    [`sentinel failover-timeout ${MASTER_NAME}`, `sentinel failover-timeout ${MASTER_NAME} ${s.failoverTimeoutMs}`],
  ]);
  const seen = new Set<string>();
  const lines = template.split("\n").map((line) => {
    for (const [directive, replacement] of replacements) {
      if (line.startsWith(`${directive} `)) {
        seen.add(directive);
        return replacement;
      }
    }
    return line;
  });
  const missing = [...replacements.keys()].filter((d) => !seen.has(d));
  if (missing.length > 0) throw new Error(`infra/redis/sentinel.conf has no line ${missing.join(", ")}`);
  return lines.join("\n");
}

/** SENTINEL GET-MASTER-ADDR-BY-NAME's port, or undefined if the Sentinel does not answer. */
async function sentinelMasterPort(sentinelPort: number): Promise<number | undefined> {
  const addr = await tryAsk(sentinelPort, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME]);
  return Array.isArray(addr) && typeof addr[1] === "string" ? Number(addr[1]) : undefined;
}

/** A flat [key, value, …] reply (SENTINEL MASTER) as a map; undefined for anything else. */
function fields(reply: unknown): Map<string, string> | undefined {
  if (!Array.isArray(reply)) return undefined;
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  return map;
}

/**
 * One command on a connection of its own (servers and Sentinels come and
 * go, so nothing is kept open); undefined if the server does not answer or
 * answers with an error.
 */
async function tryAsk(port: number, command: readonly string[], login?: { username: string; password: string }): Promise<unknown> {
  const redis = new Redis({
    host: "127.0.0.1", port, ...login, lazyConnect: true, connectTimeout: 2_000, commandTimeout: 2_000,
    enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null,
  });
  // Failures reach the caller as the rejected command.
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    const [name, ...args] = command;
    if (name === undefined) throw new Error("empty command");
    return await redis.call(name, ...args);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}
