/**
 * The three-node setup for failover tests and `npm run bench:failover`: a
 * three-node RabbitMQ cluster, a Redis Sentinel group (1 master, 2
 * replicas, 3 Sentinels), two Headhunter processes (one active, one standing
 * by; a killed one is started again as a standby, as systemd would), and
 * in-process agents that build by waiting and also sign and publish.
 * Builds are submitted as copr-web stores them. Every `build` call an agent
 * gets is recorded, so a run can tell how many builds were lost, ended more
 * than once or were handed to a builder twice.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBusConfig, RabbitMq3Admin, type BusConfig } from "../../libs/bus/src/index.ts";
import { isFinal, TASK_STATES, type TaskState } from "../../libs/domain/src/index.ts";
import { Store } from "../../libs/store/src/index.ts";
import { RabbitMqCluster, RedisSentinelGroup, until, type RabbitMqInstance } from "../../libs/testkit/src/index.ts";
import { BenchAgent } from "../../bench/benchAgent.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "../..");
const srpm = { name: "hello", epoch: null, version: "1.0", release: "1", sha256: "ab".repeat(32), size: 1, file: "x.src.rpm" };

export interface FailoverResult {
  submitted: number;
  accepted: number;
  ended_once: number;
  lost: number;
  dispatched_twice: number;
  takeover_ms: { headhunter: number; redis: number; broker_node: number };
}

export interface FailoverStackOptions {
  agents?: number;
  slots?: number;
  /** How long a build takes on an agent, ms. Default 1500. */
  buildMs?: number;
  /** Headhunter's lease time to live, ms. Default 4000. */
  leaseMs?: number;
}

interface HeadhunterProcess {
  id: string;
  child: ChildProcess;
  exited: Promise<void>;
}

export class FailoverStack {
  readonly broker: RabbitMqCluster;
  readonly redis: RedisSentinelGroup;
  /** The store as copr-web uses it (its ACL user, through Sentinel). */
  readonly store: Store;
  readonly dir: string;
  readonly agents: BenchAgent[] = [];
  /** Every `build` call: task id → "agent@attempt" entries. */
  readonly buildCalls = new Map<string, Set<string>>();
  /** Accepted tasks (the submitter got the build back). */
  readonly accepted: string[] = [];
  submitted = 0;
  readonly #options: Required<FailoverStackOptions>;
  readonly #headhunters = new Map<string, HeadhunterProcess>();
  readonly #log: WriteStream;
  #serial = 0;
  #closed = false;

  private constructor(init: { broker: RabbitMqCluster; redis: RedisSentinelGroup; dir: string; options: Required<FailoverStackOptions> }) {
    this.broker = init.broker;
    this.redis = init.redis;
    this.dir = init.dir;
    this.#options = init.options;
    this.#log = createWriteStream(join(init.dir, "headhunters.log"));
    this.store = new Store({
      url: `redis://copr-web:${this.redis.passwords["copr-web"]}@127.0.0.1:1`,
      sentinel: { nodes: this.redis.sentinels, masterName: this.redis.masterName },
      prefix: "copr:",
    });
  }

  static async start(options: FailoverStackOptions = {}): Promise<FailoverStack> {
    const [broker, redis] = await Promise.allSettled([RabbitMqCluster.start(), RedisSentinelGroup.start()]);
    if (broker.status === "rejected" || redis.status === "rejected") {
      if (broker.status === "fulfilled") await broker.value.close();
      if (redis.status === "fulfilled") await redis.value.close();
      throw broker.status === "rejected" ? broker.reason : (redis as PromiseRejectedResult).reason;
    }
    const dir = await mkdtemp(join(tmpdir(), "copr-failover-"));
    const stack = new FailoverStack({
      broker: broker.value, redis: redis.value, dir,
      options: { agents: 3, slots: 4, buildMs: 1500, leaseMs: 4000, ...options },
    });
    try {
      await stack.store.projects.createProject("alice", "hello", ["fedora-40-x86_64"]).catch(() => undefined);
      stack.#startHeadhunter();
      await until(async () => (await stack.store.leadership.active()) !== null, 60_000, "a Headhunter to become active");
      stack.#startHeadhunter();
      for (let i = 0; i < stack.#options.agents; i++) await stack.addAgent();
    } catch (error) {
      await stack.close();
      throw error;
    }
    return stack;
  }

  /** Broker settings for `username` with every node; `first` puts that node first and starts there. */
  busConfig(username: string, password: string, first?: RabbitMqInstance): BusConfig {
    const nodes = this.broker.nodes.map((n) => ({ host: "127.0.0.1", port: n.amqpPort }));
    const i = first === undefined ? -1 : this.broker.nodes.indexOf(first);
    const ordered = i < 0 ? nodes : [...nodes.slice(i), ...nodes.slice(0, i)];
    return parseBusConfig({
      nodes: ordered, vhost: "copr", username, password, reconnectMaxDelayMs: 500,
      managementUrl: this.#managementUrls(), ...(first === undefined ? {} : { preferFirstNode: true }),
    });
  }

  #managementUrls(): string[] {
    return this.broker.nodes.map((n) => `http://127.0.0.1:${n.managementPort}`);
  }

  /** Registers a worker (token and broker user with a quorum request queue) and starts its agent, optionally on node `on`. */
  async addAgent(on?: RabbitMqInstance): Promise<BenchAgent> {
    const name = `fedoraproject:copr-worker:f${++this.#serial}`;
    const { token } = await this.store.workers.addWorker(name);
    const admin = new RabbitMq3Admin({
      managementUrl: this.#managementUrls(), username: "copr-admin", password: this.broker.passwords["copr-admin"],
      vhost: "copr", domainPrefix: "org.fedoraproject.copr", quorumQueues: true,
    });
    const credentials = await admin.addAgent(name);
    const agent = await BenchAgent.start(this.busConfig(credentials.username, credentials.password, on), name, token, {
      slots: this.#options.slots, buildMs: this.#options.buildMs, publishes: true,
      onBuild: (args, a) => {
        const calls = this.buildCalls.get(args.task_id) ?? new Set<string>();
        calls.add(`${a.name}@${args.attempt}`);
        this.buildCalls.set(args.task_id, calls);
      },
    });
    this.agents.push(agent);
    return agent;
  }

  /** Starts a Headhunter process; it stands by while another holds the lease. */
  #startHeadhunter(): HeadhunterProcess {
    const id = `hh-${++this.#serial}`;
    const nodes = this.broker.nodes.map((n) => `127.0.0.1:${n.amqpPort}`).join(",");
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", LANG: "C.UTF-8",
      COPR_BUS_NODES: nodes, COPR_BUS_VHOST: "copr", COPR_BUS_USER: "headhunter", COPR_BUS_PASSWORD: this.broker.passwords.headhunter,
      COPR_BUS_MANAGEMENT_URL: this.#managementUrls().join(","),
      COPR_REDIS_URL: `redis://headhunter:${this.redis.passwords.headhunter}@127.0.0.1:1`,
      COPR_REDIS_SENTINELS: this.redis.sentinels.map((s) => `${s.host}:${s.port}`).join(","),
      COPR_REDIS_MASTER_NAME: this.redis.masterName,
      COPR_HEADHUNTER_ID: id, COPR_HEADHUNTER_LEASE_MS: String(this.#options.leaseMs),
      COPR_HEADHUNTER_CALL_TIMEOUT_MS: "3000", COPR_HEADHUNTER_METRICS_PORT: "0", COPR_WEB_URL: "http://127.0.0.1:9",
    };
    const child = spawn(process.execPath, ["--import", "tsx", "apps/headhunter/src/main.ts"], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d: Buffer) => this.#log.write(prefixLines(id, d)));
    child.stderr.on("data", (d: Buffer) => this.#log.write(prefixLines(id, d)));
    const exited = new Promise<void>((resolve) => child.once("exit", (code, signal) => {
      this.#log.write(`[${id}] exited ${signal ?? String(code)}\n`);
      this.#headhunters.delete(id);
      // A supervisor starts a Headhunter that stopped (e.g. it lost the lease) again, as a standby.
      if (!this.#closed && signal !== "SIGKILL") this.#startHeadhunter();
      resolve();
    }));
    const p = { id, child, exited };
    this.#headhunters.set(id, p);
    return p;
  }

  /** What the Headhunters logged (for a failing test). */
  async headhunterLog(): Promise<string> {
    return await readFile(join(this.dir, "headhunters.log"), "utf8").catch(() => "");
  }

  /** Submits one single-chroot build as copr-web stores it; retried until Redis accepts it. */
  async submit(owner: string): Promise<void> {
    this.submitted++;
    for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 1000)) {
      try {
        const { tasks } = await this.store.builds.createBuild({
          owner, project: "hello", submittedBy: owner, srpm, chroots: [{ chroot: "fedora-40-x86_64" }],
        });
        for (const t of tasks) this.accepted.push(t.id);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }

  /**
   * kill -9 of the active Headhunter's process; resolves with the ms until a
   * standby holds the lease under a newer epoch. A new standby is started,
   * as its supervisor would.
   */
  async killActiveHeadhunter(): Promise<number> {
    const active = await this.store.leadership.active();
    const p = active === null ? undefined : this.#headhunters.get(active.id);
    if (active === null || p === undefined) throw new Error("no active Headhunter process to kill");
    const t0 = performance.now();
    p.child.kill("SIGKILL");
    await p.exited;
    await until(async () => {
      const now = await this.store.leadership.active().catch(() => null);
      return now !== null && now.id !== active.id && now.epoch > active.epoch;
    }, 60_000, "a standby Headhunter to take over", 20);
    const ms = performance.now() - t0;
    this.#startHeadhunter();
    return ms;
  }

  /** kill -9 of the Redis master; resolves with the ms until copr-web's connection writes again (to the promoted replica). */
  async killRedisMaster(): Promise<number> {
    const t0 = performance.now();
    await this.redis.killMaster();
    await until(async () => (await this.store.redis.set("copr:failover-probe", String(Date.now())).catch(() => null)) === "OK", 60_000, "a write to the promoted master", 20);
    return performance.now() - t0;
  }

  /**
   * Submits `n` builds, one every `intervalMs` (owners o0…o3 in turn). When
   * submission number `at` is reached, that fault starts, once the one
   * before it has ended; resolves with each fault's takeover time, ms.
   */
  async submitStream(n: number, intervalMs: number, faults: readonly { at: number; fault: () => Promise<number> }[]): Promise<number[]> {
    const results: Promise<number>[] = [];
    let previous: Promise<unknown> = Promise.resolve();
    for (let i = 0; i < n; i++) {
      for (const f of faults) {
        if (f.at !== i) continue;
        const started = previous.then(() => f.fault());
        previous = started.catch(() => undefined);
        results.push(started);
      }
      await this.submit(`o${i % 4}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    return await Promise.all(results);
  }

  /**
   * kill -9 of the broker node the active Headhunter is connected to, with
   * an agent on it too; resolves with the ms until Headhunter's connection
   * is open on another node.
   */
  async killHeadhunterBrokerNode(): Promise<number> {
    let node = "";
    await until(async () => {
      node = (await this.#headhunterNode().catch(() => undefined)) ?? "";
      return node !== "";
    }, 60_000, "the active Headhunter's broker connection", 50);
    const victim = this.broker.nodes.find((n) => n.nodeName === node);
    if (victim === undefined) throw new Error(`Headhunter is on ${node}, which is not a node of the cluster`);
    if (!this.agents.some((a) => a.node === `127.0.0.1:${victim.amqpPort}`)) await this.addAgent(victim);
    const t0 = performance.now();
    await victim.kill();
    await until(async () => {
      const now = await this.#headhunterNode().catch(() => undefined);
      return now !== undefined && now !== node;
    }, 60_000, "Headhunter to reconnect to another broker node", 20);
    return performance.now() - t0;
  }

  /** The node name of the active Headhunter's broker connection (management API of a running node). */
  async #headhunterNode(): Promise<string> {
    const res = await this.broker.management("GET", "/api/connections?columns=user,node,state");
    const connections = (await res.json()) as { user?: string; node?: string; state?: string }[];
    const hh = connections.find((c) => c.user === "headhunter");
    if (hh?.node === undefined) throw new Error("no Headhunter connection");
    return hh.node;
  }

  /** Accepted tasks that ended on a later attempt than their first: host attempts a failover used up. */
  async retried(): Promise<number> {
    return (await this.store.builds.getTasks(this.accepted)).filter((t) => t.attempt > 0).length;
  }

  /** Lost and twice-dispatched tasks of the last settle(), with their state, build calls and events: for a failing run. */
  async explain(): Promise<string> {
    const tasks = new Map((await this.store.builds.getTasks(this.accepted)).map((t) => [t.id, t]));
    const lines: string[] = [];
    for (const id of this.accepted) {
      const t = tasks.get(id);
      const calls = [...(this.buildCalls.get(id) ?? [])];
      if (t !== undefined && isFinal(t.state) && calls.length <= 1) continue;
      const events = t === undefined ? [] : (await this.store.builds.readBuildEvents(t.buildId)).map((e) => `${e.task}:${e.from}->${e.to}`);
      lines.push(`${id}: ${t === undefined ? "missing" : `${t.state} attempt ${t.attempt} on ${t.agent ?? "-"}`}; build calls ${calls.join(" ") || "none"}; events ${events.join(" ")}`);
    }
    return lines.join("\n");
  }

  /** Waits until every accepted task ended, then counts. */
  async settle(takeover: FailoverResult["takeover_ms"], timeoutMs: number): Promise<FailoverResult> {
    await until(async () => {
      const tasks = await this.store.builds.getTasks(this.accepted).catch(() => undefined);
      return tasks !== undefined && tasks.length === this.accepted.length && tasks.every((t) => isFinal(t.state));
    }, timeoutMs, "every accepted build to end", 250).catch(() => undefined);
    const tasks = await this.store.builds.getTasks(this.accepted);
    const byId = new Map(tasks.map((t) => [t.id, t]));
    let endedOnce = 0;
    let lost = 0;
    for (const id of this.accepted) {
      const t = byId.get(id);
      if (t === undefined || !isFinal(t.state)) {
        lost++;
        continue;
      }
      const events = await this.store.builds.readBuildEvents(t.buildId);
      const ends = events.filter((e) => e.task === id && (TASK_STATES as readonly string[]).includes(e.to) && isFinal(e.to as TaskState));
      if (ends.length === 1 && t.state === "succeeded") endedOnce++;
    }
    const twice = [...this.buildCalls.entries()].filter(([id, calls]) => this.accepted.includes(id) && calls.size > 1).length;
    return {
      submitted: this.submitted, accepted: this.accepted.length, ended_once: endedOnce, lost, dispatched_twice: twice,
      takeover_ms: { headhunter: Math.round(takeover.headhunter), redis: Math.round(takeover.redis), broker_node: Math.round(takeover.broker_node) },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const p of this.#headhunters.values()) p.child.kill("SIGTERM");
    await Promise.all([...this.#headhunters.values()].map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 10_000))])));
    for (const p of this.#headhunters.values()) p.child.kill("SIGKILL");
    await Promise.all(this.agents.map((a) => a.close().catch(() => undefined)));
    await this.store.close();
    this.#log.end();
    await Promise.allSettled([this.broker.close(), this.redis.close()]);
    await rm(this.dir, { recursive: true, force: true });
  }
}

function prefixLines(id: string, data: Buffer): string {
  return data.toString().split("\n").filter((l) => l !== "").map((l) => `[${id}] ${l}\n`).join("");
}
