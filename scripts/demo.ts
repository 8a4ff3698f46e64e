/**
 * `npm run demo`: the whole stack on private local services, one real build.
 *
 * Starts private RabbitMQ and Redis on free loopback ports, then copr-web,
 * Headhunter and a worker as separate processes. The worker gets its
 * builders from infra/worker/provisioner/local-sshd-allocate: a fresh
 * builder user and sshd (own host key, loopback port) per owner and
 * project. Creates a user with the admin command, registers the worker with `copr worker add`, builds the
 * example SRPM from examples/hello/hello.spec and submits it with
 * `copr build`, which shows it live. Prints the web UI, results and .repo URLs and
 * keeps running until Ctrl-C, then stops everything it started.
 * `--once` stops after the build (exit code = the build's).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { freePort, RabbitMqInstance, RedisInstance, rpmbuild } from "../libs/testkit/src/index.ts";
import { repoRoot, tmpRoot } from "../libs/testkit/src/paths.ts";

const once = process.argv.includes("--once");
const children: ChildProcess[] = [];
let services: { close(): Promise<void> }[] = [];
const PROVISIONER = join(repoRoot, "infra/worker/provisioner");
/** Where local-sshd-allocate keeps its builders; what is left there at the end is released. */
let builderState: string | undefined;
let stopping = false;

const say = (text: string): void => void process.stdout.write(`demo: ${text}\n`);

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...extra };
}

/** A long-running component; its JSON log lines are shown briefly, prefixed with its name. */
function startApp(name: string, entry: string, env: Record<string, string>, onLine: (line: string) => void = () => undefined): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", entry], { cwd: repoRoot, env: baseEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      onLine(line);
      let text = line;
      try {
        const { msg, level: _l, time: _t, pid: _p, hostname: _h, name: _n, ...rest } = JSON.parse(line) as Record<string, unknown>;
        text = `${typeof msg === "string" ? msg : ""} ${Object.keys(rest).length > 0 ? JSON.stringify(rest) : ""}`;
      } catch {
        // not JSON
      }
      process.stdout.write(`  [${name}] ${text}\n`);
    });
  }
  child.on("exit", (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? String(code)}); stopping`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

/** A command that runs to its end (the CLI, the admin command); output shown as it comes. */
async function command(args: string[], env: Record<string, string>, show = true, typescript = true): Promise<{ code: number; out: string }> {
  const child = spawn(process.execPath, [...(typescript ? ["--import", "tsx"] : []), ...args], { cwd: repoRoot, env: baseEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.on("data", (d: Buffer) => {
      out += d.toString();
      if (show) process.stdout.write(d);
    });
  }
  const code = await new Promise<number>((ok) => child.on("exit", (c) => ok(c ?? 1)));
  return { code, out };
}

async function shutdown(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  // Children and services are unref'd; keep the loop alive until "stopped" is said.
  setInterval(() => undefined, 1_000);
  say("stopping everything it started ...");
  await Promise.all(children.map((c) => new Promise<void>((ok) => {
    if (c.exitCode !== null || c.signalCode !== null) return ok();
    c.once("exit", () => ok());
    c.kill("SIGTERM");
    setTimeout(() => c.kill("SIGKILL"), 5000).unref();
  })));
  // The worker releases its builders when it stops; one it could not (killed) goes here.
  if (builderState !== undefined) {
    const state = builderState;
    const left = await readdir(state).catch(() => []);
    await Promise.allSettled(left.map((id) => promisify(execFile)(join(PROVISIONER, "local-sshd-release"), [id], { env: { ...baseEnv({}), COPR_LOCAL_SSHD_STATE: state } })));
  }
  await Promise.allSettled(services.map((s) => s.close()));
  say("stopped");
  process.exit(code);
}


async function main(): Promise<void> {
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  say("starting private RabbitMQ and Redis on 127.0.0.1 ...");
  const [broker, redis] = await Promise.all([RabbitMqInstance.start(), RedisInstance.start()]);
  services = [broker, redis];
  const dir = await mkdtemp(join(tmpRoot, "demo-"));
  await mkdir(join(dir, "web"), { recursive: true });
  const webPort = await freePort();
  const webUrl = `http://127.0.0.1:${webPort}`;
  const bus = (user: string, password: string): Record<string, string> => ({
    COPR_BUS_PORT: String(broker.amqpPort), COPR_BUS_VHOST: "copr", COPR_BUS_USER: user, COPR_BUS_PASSWORD: password,
    COPR_BUS_MANAGEMENT_URL: `http://127.0.0.1:${broker.managementPort}`,
  });
  const webEnv = {
    COPR_WEB_PORT: String(webPort), COPR_REDIS_URL: redis.url("copr-web"), COPR_WEB_DATA_DIR: join(dir, "web"),
    // copr-web follows heartbeats for the builders page.
    ...bus("copr-web", broker.passwords["copr-web"]),
    // `copr worker add` creates each worker's own broker user.
    COPR_BROKER_ADMIN_USER: "copr-admin", COPR_BROKER_ADMIN_PASSWORD: broker.passwords["copr-admin"],
  };

  let webReady: () => void = () => undefined;
  const webUp = new Promise<void>((ok) => (webReady = ok));
  startApp("copr-web", "apps/copr-web/src/main.ts", webEnv, (l) => l.includes("copr-web listening") && webReady());
  await webUp;
  say(`web UI: ${webUrl}/  (builds appear there live)`);

  // Accounts: an admin and a packager, with the admin command on the server host.
  // The admin command prints the client config (for copr and for Copr's copr-cli alike).
  const clientConfig = async (user: string, admin: boolean): Promise<string> => {
    const r = await command(["apps/copr-web/src/admin/adminMain.ts", "create-user", user, ...(admin ? ["--admin"] : [])], webEnv, false);
    const config = r.out.slice(r.out.indexOf("[copr-cli]"));
    if (r.code !== 0 || !config.startsWith("[copr-cli]")) throw new Error(`creating user ${user} failed: ${r.out}`);
    return config;
  };
  const adminConfig = join(dir, "copr-admin.conf");
  const userConfig = join(dir, "copr.conf");
  await writeFile(adminConfig, await clientConfig("admin", true));
  await writeFile(userConfig, await clientConfig("demo", false));
  // The built `copr` command (package.json's bin; the setup step built it), as a user runs it.
  const copr = (args: string[], config: string, show = true) => command(["apps/copr-web/dist/cli/copr.mjs", ...args, "--config", config], {}, show, false);

  // The worker: registered by an admin, builds on builders it allocates, also runs createrepo_c.
  const workerName = "fedoraproject:copr-worker:demo1";
  say(`$ copr worker add ${workerName}`);
  const added = await copr(["worker", "add", workerName, "--json"], adminConfig, false);
  const workerToken = /"token":\s*"([^"]+)"/.exec(added.out)?.[1];
  const workerBrokerPassword = /"brokerPassword":\s*"([^"]+)"/.exec(added.out)?.[1];
  if (workerToken === undefined || workerBrokerPassword === undefined) throw new Error(`copr worker add failed: ${added.out}`);
  // Builders per owner and project, each a fresh user and sshd made by the shipped local-sshd provisioner.
  await promisify(execFile)("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "copr demo worker", "-f", join(dir, "builder.key")]);
  builderState = join(dir, "builders");
  await writeFile(join(dir, "builders.json"), JSON.stringify({
    provisioners: [{
      name: "local", type: "command", allocate: join(PROVISIONER, "local-sshd-allocate"), release: join(PROVISIONER, "local-sshd-release"),
      arches: ["x86_64"], slots: 2, key_file: join(dir, "builder.key"), idle_seconds: 600, env: { COPR_LOCAL_SSHD_STATE: builderState },
    }],
  }, null, 2));

  let ready: () => void = () => undefined;
  const workerReady = new Promise<void>((ok) => (ready = ok));
  // Metrics on free loopback ports, never the standard ones.
  const [headhunterMetrics, workerMetrics] = [await freePort(), await freePort()];
  startApp("headhunter", "apps/headhunter/src/main.ts", {
    ...bus("headhunter", broker.passwords.headhunter), COPR_REDIS_URL: redis.url("headhunter"), COPR_WEB_URL: webUrl, COPR_HEADHUNTER_METRICS_PORT: String(headhunterMetrics),
  }, (l) => {
    if (l.includes("token ok, ready") && l.includes(workerName)) ready();
  });
  startApp("worker", "apps/worker/src/main.ts", {
    ...bus(workerName, workerBrokerPassword), COPR_WORKER_NAME: workerName, COPR_WORKER_TOKEN: workerToken, COPR_WORKER_WEB_URL: webUrl, COPR_WORKER_STATE_DIR: join(dir, "worker"),
    COPR_WORKER_BUILDERS: join(dir, "builders.json"), COPR_WORKER_RESULTS_DIR: join(dir, "web", "results"), COPR_WORKER_HEARTBEAT_MS: "2000",
    COPR_WORKER_METRICS_PORT: String(workerMetrics),
  });
  await workerReady;

  say("building the example SRPM from examples/hello/hello.spec (rpmbuild -bs) ...");
  const srpm = await rpmbuild(await readFile(join(repoRoot, "examples/hello/hello.spec"), "utf8"));
  say("$ copr create hello --chroot fedora-40-x86_64");
  await copr(["create", "hello", "--chroot", "fedora-40-x86_64"], userConfig);
  say(`$ copr build hello ${srpm}`);
  const build = await copr(["build", "hello", srpm], userConfig);
  const repoUrl = `${webUrl}/repos/demo/hello/fedora-40-x86_64.repo`;
  const buildId = /Created builds: (\d+)/.exec(build.out)?.[1];
  process.stdout.write([
    "",
    `demo: build ${build.code === 0 ? "succeeded" : "did not succeed"}.`,
    `demo: web UI:  ${buildId === undefined ? `${webUrl}/` : `${webUrl}/builds/${buildId}`}  (open in a browser; sign in with the token in ${userConfig})`,
    `demo: results: ${webUrl}/results/demo/hello/fedora-40-x86_64/  (results and repodata)`,
    `demo: .repo:   ${repoUrl}`,
    `demo:          dnf config-manager --add-repo ${repoUrl} && dnf install hello`,
    `demo: metrics: ${webUrl}/metrics  http://127.0.0.1:${headhunterMetrics}/metrics (Headhunter)  http://127.0.0.1:${workerMetrics}/metrics (worker)`,
    `demo: CLI:     copr list-builds demo/hello --config ${userConfig}   (npm link puts copr on PATH; or: npm run copr -- …)`,
    `demo: bus UI:  http://127.0.0.1:${broker.managementPort}/  (copr-admin / ${broker.passwords["copr-admin"]})`,
    once ? "demo: --once given, stopping." : "demo: running; press Ctrl-C to stop everything.",
    "",
  ].join("\n"));
  if (once) await shutdown(build.code);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  void shutdown(1);
});
