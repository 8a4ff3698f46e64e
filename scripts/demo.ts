/**
 * `npm run demo`: the whole stack on private local services.
 *
 * Starts a private RabbitMQ (configured from infra/rabbitmq) and Redis (from
 * infra/redis) on free loopback ports, then Headhunter and one worker as
 * separate processes. Headhunter discovers the worker from its heartbeat and
 * checks its worker token with an RPC `hello` over the bus. Runs until Ctrl-C, then stops
 * everything it started. `--once` exits after the first successful check.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Store } from "../libs/store/src/index.ts";
import { RabbitMqInstance, RedisInstance } from "../libs/testkit/src/index.ts";
import { repoRoot, tmpRoot } from "../libs/testkit/src/paths.ts";

const once = process.argv.includes("--once");
const children: ChildProcess[] = [];
let broker: RabbitMqInstance | undefined;
let redis: RedisInstance | undefined;
let stopping = false;

function startApp(name: string, entry: string, env: Record<string, string>, onLine: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on("line", (line) => {
      onLine(line);
      let text = line;
      try {
        const entry = JSON.parse(line) as { msg?: string; level?: number; [k: string]: unknown };
        const { msg, level: _level, time: _time, pid: _pid, hostname: _host, name: _name, ...rest } = entry;
        text = `${msg ?? ""} ${Object.keys(rest).length > 0 ? JSON.stringify(rest) : ""}`;
      } catch {
        // not JSON: print as is
      }
      process.stdout.write(`[${name}] ${text}\n`);
    });
  }
  child.on("exit", (code, signal) => {
    if (!stopping) {
      process.stdout.write(`[${name}] exited (${signal ?? code}); stopping the demo\n`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function shutdown(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  process.stdout.write("demo: stopping everything it started ...\n");
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once("exit", () => resolve());
          c.kill("SIGTERM");
          setTimeout(() => c.kill("SIGKILL"), 5000).unref();
        }),
    ),
  );
  await Promise.allSettled([broker?.close(), redis?.close()]);
  process.stdout.write("demo: stopped\n");
  process.exit(code);
}

async function main(): Promise<void> {
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  process.stdout.write("demo: starting private RabbitMQ and Redis on 127.0.0.1 (free ports) ...\n");
  [broker, redis] = await Promise.all([RabbitMqInstance.start(), RedisInstance.start()]);
  const b = broker;
  process.stdout.write(`demo: RabbitMQ AMQP 127.0.0.1:${b.amqpPort}, Redis ${redis.url}\n`);

  const bus = (user: "headhunter" | "worker"): Record<string, string> => ({
    COPR_BUS_HOST: "127.0.0.1",
    COPR_BUS_PORT: String(b.amqpPort),
    COPR_BUS_VHOST: "copr",
    COPR_BUS_USER: user,
    COPR_BUS_PASSWORD: b.passwords[user],
    COPR_BUS_MANAGEMENT_URL: `http://127.0.0.1:${b.managementPort}`,
  });

  const workerName = "fedoraproject:copr-worker:demo1";
  // What `copr worker add` does: register the worker and issue its token.
  const store = new Store({ url: redis.url });
  const { token: workerToken } = await store.addWorker(workerName);
  await store.close();
  let readyResolve: (rtt: string) => void = () => undefined;
  const ready = new Promise<string>((r) => (readyResolve = r));
  const redisUrl = redis.url;
  const t0 = Date.now();
  startApp("headhunter", "apps/headhunter/src/main.ts", { ...bus("headhunter"), COPR_REDIS_URL: redisUrl }, (line) => {
    if (line.includes("token ok, ready") && line.includes(workerName)) readyResolve(String(Date.now() - t0));
  });
  startApp("worker", "apps/worker/src/main.ts", {
    ...bus("worker"),
    COPR_WORKER_NAME: workerName,
    COPR_WORKER_TOKEN: workerToken,
    COPR_WORKER_STATE_DIR: mkdtempSync(join(tmpRoot, "demo-worker-")),
    COPR_WORKER_ARCHES: "x86_64,noarch",
    COPR_WORKER_HEARTBEAT_MS: "2000",
  }, () => undefined);

  const timeout = setTimeout(() => {
    process.stdout.write("demo: Headhunter did not reach the worker within 60 s\n");
    void shutdown(1);
  }, 60_000);
  const rtt = await ready;
  clearTimeout(timeout);
  process.stdout.write(
    [
      "",
      `demo: Headhunter found ${workerName} by its heartbeat and checked its token over the bus (${rtt} ms after start).`,
      `demo: watch the bus in RabbitMQ's web UI: http://127.0.0.1:${b.managementPort}/  (user copr-admin, password ${b.passwords["copr-admin"]})`,
      once ? "demo: --once given, stopping." : "demo: running; press Ctrl-C to stop everything.",
      "",
    ].join("\n"),
  );
  if (once) await shutdown(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  void shutdown(1);
});
