import { servicePath } from "./env.ts";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile, copyFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { freePort, waitForPort } from "./ports.ts";
import { infraDir, tmpRoot } from "./paths.ts";
import { ServiceProcess } from "./process.ts";
import { reapStale } from "./reaper.ts";
import { ManagementClient, type Definitions } from "./management.ts";
import { RabbitMq3Admin } from "@copr/bus";

const RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const EPMD = "/usr/bin/epmd";
/** rabbitmq.conf keys that list the nodes of classic_config peer discovery (per instance: a cluster member's peers). */
const PEER_LIST_PREFIX = "cluster_formation.classic_config.nodes.";

/** The broker users that infra/rabbitmq/definitions.json declares (each worker gets its own, see BusNamespace.agent). */
export const brokerUsers = ["copr-admin", "headhunter", "copr-web", "subscriber"] as const;
export type BrokerUser = (typeof brokerUsers)[number];

/** RabbitMQ's rabbit_password_hashing_sha256: base64(salt ++ sha256(salt ++ password)). */
export function rabbitPasswordHash(password: string): string {
  const salt = randomBytes(4);
  const digest = createHash("sha256").update(Buffer.concat([salt, Buffer.from(password, "utf8")])).digest();
  return Buffer.concat([salt, digest]).toString("base64");
}

/** Passwords of the broker users and the definitions (carrying their hashes) that a node imports at boot. */
export interface BrokerSecrets {
  passwords: Readonly<Record<BrokerUser, string>>;
  definitions: Definitions;
}

/** A new random password for each broker user, and infra/rabbitmq/definitions.json with their hashes. */
export async function newBrokerSecrets(): Promise<BrokerSecrets> {
  const definitions = JSON.parse(await readFile(join(infraDir, "rabbitmq/definitions.json"), "utf8")) as Definitions;
  const passwords = Object.fromEntries(brokerUsers.map((u) => [u, randomBytes(12).toString("hex")])) as Record<BrokerUser, string>;
  for (const user of definitions.users) {
    const password = passwords[user.name as BrokerUser];
    if (password === undefined) throw new Error(`definitions.json declares user ${user.name} that the test kit does not know`);
    user.password_hash = rabbitPasswordHash(password);
  }
  return { passwords, definitions };
}

/**
 * What makes a node a member of a cluster (RabbitMqCluster) rather than a
 * lone node: the nodes find each other through one epmd and trust each
 * other through one cookie.
 */
export interface RabbitMqMembership {
  /** Port of the epmd on 127.0.0.1 that every member registers with; the cluster starts and stops it, not the node. */
  epmdPort: number;
  /**
   * The cluster's Erlang cookie. Written to the node's HOME (its dir) as
   * .erlang.cookie, mode 0400, so rabbitmqctl or rabbitmq-queues run with
   * HOME=<dir> and ERL_EPMD_PORT=<epmdPort> can talk to the node too.
   */
  cookie: string;
  /** Nodes to join on the first boot (classic_config peer discovery); none: the node founds the cluster. */
  peers: readonly string[];
  /** rabbitmq.conf lines every member adds to infra/rabbitmq/rabbitmq.conf; their classic_config node list is replaced by `peers`. */
  config: string;
  /** The directory whose owner.json records the node's processes for the reaper (the cluster's, so it is reaped as a whole). */
  ownerDir: string;
}

export interface RabbitMqOptions {
  /** Directory for data, config and logs; default: a new folder under .tmp/. */
  dir?: string;
  /** How long to wait for the node to accept connections, ms. Default 90 000. */
  startTimeoutMs?: number;
  /** Passwords and definitions; default: new ones. The members of a cluster share them. */
  secrets?: BrokerSecrets;
  /** Join a cluster instead of running alone with an epmd of its own. */
  member?: RabbitMqMembership;
}

/**
 * A private RabbitMQ 3.10 node for dev and test: own node name, data dir,
 * epmd and distribution port, all on 127.0.0.1, configured from
 * infra/rabbitmq (AMQP 1.0 plugin, no anonymous login, the project's
 * users, permissions, topic permissions and policies). As a member of a
 * RabbitMqCluster it shares the cluster's epmd, cookie and secrets instead.
 */
export class RabbitMqInstance {
  readonly amqpPort: number;
  readonly managementPort: number;
  readonly passwords: Readonly<Record<BrokerUser, string>>;
  readonly dir: string;
  readonly #distPort: number;
  readonly #epmdPort: number;
  readonly #ownerDir: string;
  readonly #definitions: Definitions;
  readonly #startTimeoutMs: number;
  #node: ServiceProcess | undefined;
  #epmd: ServiceProcess | undefined;

  private constructor(init: {
    dir: string; ownerDir: string; amqpPort: number; managementPort: number; distPort: number; epmdPort: number;
    passwords: Readonly<Record<BrokerUser, string>>; definitions: Definitions; startTimeoutMs: number;
  }) {
    this.dir = init.dir;
    this.#ownerDir = init.ownerDir;
    this.amqpPort = init.amqpPort;
    this.managementPort = init.managementPort;
    this.#distPort = init.distPort;
    this.#epmdPort = init.epmdPort;
    this.passwords = Object.freeze({ ...init.passwords });
    this.#definitions = init.definitions;
    this.#startTimeoutMs = init.startTimeoutMs;
  }

  /**
   * Starts a node. The ports come from probes that released them again, so
   * another process can take one first: a node that fails to start is tried
   * again on new ports (3 times; not with a given dir, as for cluster members,
   * whose cluster tries again as a whole).
   */
  static async start(options: RabbitMqOptions = {}): Promise<RabbitMqInstance> {
    reapStale(tmpRoot);
    for (let attempt = 1; ; attempt++) {
      try {
        return await RabbitMqInstance.#startOnce(options);
      } catch (error) {
        if (attempt >= 3 || options.dir !== undefined) throw error;
      }
    }
  }

  static async #startOnce(options: RabbitMqOptions): Promise<RabbitMqInstance> {
    const member = options.member;
    const ports = new Set<number>();
    while (ports.size < (member === undefined ? 4 : 3)) ports.add(await freePort());
    const [amqpPort = 0, managementPort = 0, distPort = 0, ownEpmdPort = 0] = [...ports];
    const epmdPort = member?.epmdPort ?? ownEpmdPort;
    const dir = options.dir ?? join(tmpRoot, `rabbitmq-${amqpPort}-${randomBytes(3).toString("hex")}`);
    await mkdir(join(dir, "log"), { recursive: true });
    await mkdir(join(dir, "mnesia"), { recursive: true });

    const { passwords, definitions } = options.secrets ?? await newBrokerSecrets();
    await writeFile(join(dir, "definitions.json"), JSON.stringify(definitions, null, 2));

    const overrides: Record<string, string> = {
      "listeners.tcp.default": `127.0.0.1:${amqpPort}`,
      "management.tcp.port": String(managementPort),
      "management.tcp.ip": "127.0.0.1",
      "definitions.local.path": join(dir, "definitions.json"),
      "log.file": join(dir, "log", "rabbit.log"),
    };
    for (const [i, peer] of (member?.peers ?? []).entries()) overrides[`${PEER_LIST_PREFIX}${i + 1}`] = peer;
    const base = await readFile(join(infraDir, "rabbitmq/rabbitmq.conf"), "utf8");
    const lines = member === undefined ? base.split("\n") : [...base.split("\n"), ...member.config.split("\n")];
    const kept = lines.filter((line) => {
      const key = line.split("=")[0]?.trim() ?? "";
      return !(key in overrides) && !key.startsWith(PEER_LIST_PREFIX);
    });
    const conf = [...kept, "## per instance", ...Object.entries(overrides).map(([k, v]) => `${k} = ${v}`), ""].join("\n");
    await writeFile(join(dir, "rabbitmq.conf"), conf);
    await copyFile(join(infraDir, "rabbitmq/enabled_plugins"), join(dir, "enabled_plugins"));
    // Erlang makes a random cookie of its own in HOME; members must share one.
    if (member !== undefined) await writeFile(join(dir, ".erlang.cookie"), member.cookie, { mode: 0o400 });

    const instance = new RabbitMqInstance({
      dir, ownerDir: member?.ownerDir ?? dir, amqpPort, managementPort, distPort, epmdPort, passwords, definitions,
      startTimeoutMs: options.startTimeoutMs ?? 90_000,
    });
    try {
      if (member === undefined) instance.#epmd = await startEpmd(epmdPort, instance.#env(), join(dir, "log", "epmd.log"), dir);
      await instance.restart();
    } catch (error) {
      await instance.close().catch(() => undefined);
      throw error;
    }
    return instance;
  }

  /** The Erlang node name of the node whose AMQP port is `amqpPort`. */
  static nodeNameFor(amqpPort: number): string {
    return `copr-${amqpPort}@localhost`;
  }

  get nodeName(): string {
    return RabbitMqInstance.nodeNameFor(this.amqpPort);
  }

  get running(): boolean {
    return this.#node?.alive === true;
  }

  #env(): NodeJS.ProcessEnv {
    return {
      PATH: servicePath(),
      HOME: this.dir,
      LANG: "C.UTF-8",
      RABBITMQ_NODENAME: this.nodeName,
      RABBITMQ_CONFIG_FILE: join(this.dir, "rabbitmq.conf"),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, "enabled_plugins"),
      RABBITMQ_MNESIA_BASE: join(this.dir, "mnesia"),
      RABBITMQ_LOG_BASE: join(this.dir, "log"),
      RABBITMQ_PID_FILE: join(this.dir, "rabbit.pid"),
      RABBITMQ_DIST_PORT: String(this.#distPort),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-kernel inet_dist_use_interface {127,0,0,1}",
      ERL_EPMD_PORT: String(this.#epmdPort),
      ERL_EPMD_ADDRESS: "127.0.0.1",
    };
  }

  /** Starts the node (again) on the same ports and data; resolves once it is ready. */
  async restart(): Promise<void> {
    if (this.running) return;
    const node = ServiceProcess.spawn(RABBITMQ_SERVER, [], this.#env(), join(this.dir, "log", "startup.log"), this.#ownerDir, this.dir);
    this.#node = node;
    await waitForPort(this.amqpPort, this.#startTimeoutMs, () => node.alive);
    await this.#waitForManagement(node);
  }

  async #waitForManagement(node: ServiceProcess): Promise<void> {
    const deadline = Date.now() + this.#startTimeoutMs;
    for (;;) {
      if (!node.alive) throw new Error(`RabbitMQ exited while starting; see ${join(this.dir, "log")}`);
      try {
        const res = await this.management("GET", "/api/vhosts/copr");
        if (res.ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`RabbitMQ management API not ready after ${this.#startTimeoutMs} ms; see ${join(this.dir, "log")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Calls the management HTTP API as copr-admin. */
  async management(method: string, path: string, body?: unknown): Promise<Response> {
    const auth = Buffer.from(`copr-admin:${this.passwords["copr-admin"]}`).toString("base64");
    return await fetch(`http://127.0.0.1:${this.managementPort}${path}`, {
      method,
      headers: { authorization: `Basic ${auth}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** A management API client acting as copr-admin. */
  managementClient(): ManagementClient {
    return new ManagementClient({
      port: this.managementPort, username: "copr-admin", password: this.passwords["copr-admin"], definitions: this.#definitions,
    });
  }

  /** Creates agents' broker users in `vhost` as `copr worker add` does (RabbitMq3Admin acting as copr-admin). */
  agentAdmin(vhost = "copr"): RabbitMq3Admin {
    return new RabbitMq3Admin({
      managementUrl: `http://127.0.0.1:${this.managementPort}`, username: "copr-admin", password: this.passwords["copr-admin"],
      vhost, domainPrefix: "org.fedoraproject.copr",
    });
  }

  /**
   * Creates a vhost with the same exchanges, permissions, topic permissions
   * and policies that definitions.json gives the production vhost "copr".
   */
  async createVhost(name: string): Promise<void> {
    await this.managementClient().createVhost(name);
  }

  async deleteVhost(name: string): Promise<void> {
    await this.managementClient().deleteVhost(name);
  }

  /** Graceful stop of the node (epmd stays for a later restart()). */
  async stop(): Promise<void> {
    await this.#node?.signal("SIGTERM");
  }

  /** kill -9 of the whole node, as a crash would. */
  async kill(): Promise<void> {
    await this.#node?.signal("SIGKILL");
  }

  /** Stops the node and its own epmd (a member's belongs to the cluster) and removes the data directory. Safe to call twice. */
  async close(): Promise<void> {
    await this.stop();
    await this.#epmd?.signal("SIGTERM");
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Starts an epmd of its own on 127.0.0.1:port, so private nodes never
 * register with the machine's epmd on 4369; resolves once it listens.
 */
export async function startEpmd(port: number, env: NodeJS.ProcessEnv, logFile: string, ownerDir: string): Promise<ServiceProcess> {
  const epmd = ServiceProcess.spawn(EPMD, ["-port", String(port), "-address", "127.0.0.1"], env, logFile, ownerDir);
  try {
    await waitForPort(port, 10_000, () => epmd.alive);
  } catch (error) {
    await epmd.signal("SIGTERM");
    throw error;
  }
  return epmd;
}
