import { servicePath } from "./env.ts";
import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "./ports.ts";
import { infraDir, tmpRoot } from "./paths.ts";
import { ServiceProcess } from "./process.ts";
import { reapStale } from "./reaper.ts";

const REDIS_SERVER = "/usr/bin/redis-server";

export interface RedisOptions {
  /** Directory for the AOF/RDB files and logs; default: a new folder under .tmp/. */
  dir?: string;
  /** How long to wait for the server to answer PING, ms. Default 15 000. */
  startTimeoutMs?: number;
}

/**
 * A private Redis server for dev and test, configured by the production
 * infra/redis/redis.conf (AOF on); only port, bind address, data dir,
 * logfile and daemonize are overridden on the command line.
 */
export class RedisInstance {
  readonly port: number;
  readonly dir: string;
  readonly #startTimeoutMs: number;
  #server: ServiceProcess | undefined;

  private constructor(init: { port: number; dir: string; startTimeoutMs: number }) {
    this.port = init.port;
    this.dir = init.dir;
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
      const instance = new RedisInstance({ port, dir, startTimeoutMs });
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

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#server?.alive === true;
  }

  #args(): string[] {
    return [
      join(infraDir, "redis/redis.conf"),
      "--port", String(this.port),
      "--bind", "127.0.0.1",
      "--dir", this.dir,
      "--logfile", join(this.dir, "redis.log"),
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
      if (await ping(this.port)) return;
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
 * One PING over a raw TCP connection; true when the answer is +PONG (a
 * server still loading its AOF answers -LOADING instead).
 */
async function ping(port: number, timeoutMs = 1_000): Promise<boolean> {
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
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk: string) => {
      answer += chunk;
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"));
    });
    socket.once("error", () => done(false));
    socket.once("close", () => done(false));
  });
}
