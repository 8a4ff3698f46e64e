/**
 * `npm run demo`: the whole stack on private local services, one real build.
 *
 * Starts private RabbitMQ and Redis on free loopback ports, then copr-web,
 * Headhunter, a build worker and a signer as separate processes. The worker
 * gets its builders from infra/worker/provisioner/local-sshd-allocate: a
 * fresh builder user and sshd (own host key, loopback port) per owner and
 * project. The signer sits on the results host: it holds the projects' keys,
 * signs packages and runs createrepo_c. Creates a user with the admin
 * command, registers both agents with `copr worker add`, builds the example
 * SRPM from examples/hello/hello.spec and submits it with `copr build`,
 * which shows it live, then installs the package with dnf (gpgcheck=1) into
 * a scratch installroot. Prints the web UI, results and .repo URLs and keeps
 * running until Ctrl-C, then stops everything it started. `--once` stops
 * after the build (exit code 0 when it succeeded and dnf installed it).
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

  // Agents are registered by an admin: each gets a token and its own broker user.
  const register = async (name: string): Promise<{ token: string; brokerPassword: string }> => {
    say(`$ copr worker add ${name}`);
    const added = await copr(["worker", "add", name, "--json"], adminConfig, false);
    const token = /"token":\s*"([^"]+)"/.exec(added.out)?.[1];
    const brokerPassword = /"brokerPassword":\s*"([^"]+)"/.exec(added.out)?.[1];
    if (token === undefined || brokerPassword === undefined) throw new Error(`copr worker add failed: ${added.out}`);
    return { token, brokerPassword };
  };
  // The build worker builds on builders it allocates; the signer, on the results host, signs and runs createrepo_c.
  const workerName = "fedoraproject:copr-worker:demo1";
  const signerName = "fedoraproject:copr-signer:demo1";
  const worker = await register(workerName);
  const signer = await register(signerName);
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
  const agentsReady = new Promise<void>((ok) => (ready = ok));
  const readyAgents = new Set<string>();
  // Metrics on free loopback ports, never the standard ones.
  const [headhunterMetrics, workerMetrics] = [await freePort(), await freePort()];
  startApp("headhunter", "apps/headhunter/src/main.ts", {
    ...bus("headhunter", broker.passwords.headhunter), COPR_REDIS_URL: redis.url("headhunter"), COPR_WEB_URL: webUrl, COPR_HEADHUNTER_METRICS_PORT: String(headhunterMetrics),
  }, (l) => {
    for (const name of [workerName, signerName]) if (l.includes("token ok, ready") && l.includes(name)) readyAgents.add(name);
    if (readyAgents.size === 2) ready();
  });
  startApp("worker", "apps/worker/src/main.ts", {
    ...bus(workerName, worker.brokerPassword), COPR_WORKER_NAME: workerName, COPR_WORKER_TOKEN: worker.token, COPR_WORKER_WEB_URL: webUrl, COPR_WORKER_STATE_DIR: join(dir, "worker"),
    COPR_WORKER_BUILDERS: join(dir, "builders.json"), COPR_WORKER_HEARTBEAT_MS: "2000",
    COPR_WORKER_METRICS_PORT: String(workerMetrics),
  });
  startApp("signer", "apps/worker/src/main.ts", {
    ...bus(signerName, signer.brokerPassword), COPR_WORKER_NAME: signerName, COPR_WORKER_TOKEN: signer.token, COPR_WORKER_WEB_URL: webUrl, COPR_WORKER_STATE_DIR: join(dir, "signer"),
    COPR_WORKER_RESULTS_DIR: join(dir, "web", "results"), COPR_WORKER_SIGN_KEYS_DIR: join(dir, "signer", "keys"), COPR_WORKER_HEARTBEAT_MS: "2000",
    COPR_WORKER_METRICS_PORT: "0",
  });
  await agentsReady;

  say("building the example SRPM from examples/hello/hello.spec (rpmbuild -bs) ...");
  const srpm = await rpmbuild(await readFile(join(repoRoot, "examples/hello/hello.spec"), "utf8"));
  say("$ copr create hello --chroot fedora-40-x86_64");
  await copr(["create", "hello", "--chroot", "fedora-40-x86_64"], userConfig);
  say(`$ copr build hello ${srpm}`);
  const build = await copr(["build", "hello", srpm], userConfig);
  const repoUrl = `${webUrl}/repos/demo/hello/fedora-40-x86_64.repo`;
  const buildId = /Created builds: (\d+)/.exec(build.out)?.[1];
  const installed = build.code === 0 ? await dnfInstall(join(dir, "installroot"), repoUrl) : false;
  process.stdout.write([
    "",
    `demo: build ${build.code === 0 ? "succeeded" : "did not succeed"}.`,
    `demo: web UI:  ${buildId === undefined ? `${webUrl}/` : `${webUrl}/builds/${buildId}`}  (open in a browser; sign in with the token in ${userConfig})`,
    `demo: results: ${webUrl}/results/demo/hello/fedora-40-x86_64/  (results and repodata)`,
    `demo: key:     ${webUrl}/results/demo/hello/pubkey.gpg  (the project's signing key; the .repo file says gpgcheck=1)`,
    `demo: .repo:   ${repoUrl}`,
    `demo:          dnf config-manager --add-repo ${repoUrl} && dnf install hello`,
    `demo: metrics: ${webUrl}/metrics  http://127.0.0.1:${headhunterMetrics}/metrics (Headhunter)  http://127.0.0.1:${workerMetrics}/metrics (worker)`,
    `demo: CLI:     copr list-builds demo/hello --config ${userConfig}   (npm link puts copr on PATH; or: npm run copr -- …)`,
    `demo: bus UI:  http://127.0.0.1:${broker.managementPort}/  (copr-admin / ${broker.passwords["copr-admin"]})`,
    once ? "demo: --once given, stopping." : "demo: running; press Ctrl-C to stop everything.",
    "",
  ].join("\n"));
  if (once) await shutdown(build.code === 0 && installed ? 0 : 1);
}

/**
 * Installs hello from the project's repository with dnf, as a user would,
 * into a scratch installroot: dnf imports the project's key from the .repo
 * file's gpgkey= URL and installs only because the signature checks out.
 */
async function dnfInstall(root: string, repoUrl: string): Promise<boolean> {
  await mkdir(join(root, "repos"), { recursive: true });
  const dnf = ["-y", `--installroot=${root}`, `--setopt=reposdir=${join(root, "repos")}`, "--releasever=40", "--setopt=install_weak_deps=False"];
  const run = async (args: string[]): Promise<{ ok: boolean; out: string }> => {
    say(`$ ${args.join(" ")}`);
    return await promisify(execFile)(args[0] ?? "", args.slice(1), { timeout: 180_000 }).then(
      (r) => ({ ok: true, out: r.stdout + r.stderr }),
      (e: { stdout?: string; stderr?: string; message?: string }) => ({ ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}${e.message ?? ""}` }),
    );
  };
  // From this repository only (dnf's own local-repository plugin would offer the package again, unsigned by us).
  const repoId = /^\[([^\]]+)\]$/m.exec(await (await fetch(repoUrl)).text())?.[1] ?? "";
  say(`installing with dnf into ${root} (gpgcheck=1) ...`);
  for (const step of [["dnf", ...dnf, "config-manager", "--add-repo", repoUrl], ["dnf", ...dnf, `--repo=${repoId}`, "install", "hello"]]) {
    const r = await run(step);
    if (!r.ok) {
      say(`dnf failed:\n${r.out}`);
      return false;
    }
  }
  const q = await run(["rpm", `--root=${root}`, "-q", "--qf", "%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH} signed %{RSAHEADER:pgpsig}", "hello"]);
  say(q.ok ? `dnf installed ${q.out.trim()}` : `rpm -q failed: ${q.out}`);
  return q.ok;
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  void shutdown(1);
});
