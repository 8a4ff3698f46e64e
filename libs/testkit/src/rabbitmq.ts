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

/** The broker users that infra/rabbitmq/definitions.json declares (each worker gets its own, see BusNamespace.agent). */
export const brokerUsers = ["copr-admin", "headhunter", "copr-web", "subscriber"] as const;
export type BrokerUser = (typeof brokerUsers)[number];

/** RabbitMQ's rabbit_password_hashing_sha256: base64(salt ++ sha256(salt ++ password)). */
export function rabbitPasswordHash(password: string): string {
  const salt = randomBytes(4);
  const digest = createHash("sha256").update(Buffer.concat([salt, Buffer.from(password, "utf8")])).digest();
  return Buffer.concat([salt, digest]).toString("base64");
}

export interface RabbitMqOptions {
  /** Directory for data, config and logs; default: a new folder under .tmp/. */
  dir?: string;
  /** How long to wait for the node to accept connections, ms. Default 90 000. */
  startTimeoutMs?: number;
}

/**
 * A private RabbitMQ 3.10 node for dev and test: own node name, data dir,
 * epmd and distribution port, all on 127.0.0.1, configured from
 * infra/rabbitmq (AMQP 1.0 plugin, no anonymous login, the project's
 * users, permissions, topic permissions and policies).
 */
export class RabbitMqInstance {
  readonly amqpPort: number;
  readonly managementPort: number;
  readonly passwords: Readonly<Record<BrokerUser, string>>;
  readonly dir: string;
  readonly #distPort: number;
  readonly #epmdPort: number;
  readonly #definitions: Definitions;
  readonly #startTimeoutMs: number;
  #node: ServiceProcess | undefined;
  #epmd: ServiceProcess | undefined;

  private constructor(init: {
    dir: string; amqpPort: number; managementPort: number; distPort: number; epmdPort: number;
    passwords: Record<BrokerUser, string>; definitions: Definitions; startTimeoutMs: number;
  }) {
    this.dir = init.dir;
    this.amqpPort = init.amqpPort;
    this.managementPort = init.managementPort;
    this.#distPort = init.distPort;
    this.#epmdPort = init.epmdPort;
    this.passwords = Object.freeze(init.passwords);
    this.#definitions = init.definitions;
    this.#startTimeoutMs = init.startTimeoutMs;
  }

  /**
   * Starts a node. The ports come from probes that released them again, so
   * another process can take one first: a node that fails to start is tried
   * again on new ports (3 times).
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
    const ports = new Set<number>();
    while (ports.size < 4) ports.add(await freePort());
    const [amqpPort = 0, managementPort = 0, distPort = 0, epmdPort = 0] = [...ports];
    const dir = options.dir ?? join(tmpRoot, `rabbitmq-${amqpPort}-${randomBytes(3).toString("hex")}`);
    await mkdir(join(dir, "log"), { recursive: true });
    await mkdir(join(dir, "mnesia"), { recursive: true });

    const definitions = JSON.parse(await readFile(join(infraDir, "rabbitmq/definitions.json"), "utf8")) as Definitions;
    const passwords = Object.fromEntries(brokerUsers.map((u) => [u, randomBytes(12).toString("hex")])) as Record<BrokerUser, string>;
    for (const user of definitions.users) {
      const password = passwords[user.name as BrokerUser];
      if (password === undefined) throw new Error(`definitions.json declares user ${user.name} that the test kit does not know`);
      user.password_hash = rabbitPasswordHash(password);
    }
    await writeFile(join(dir, "definitions.json"), JSON.stringify(definitions, null, 2));

    const overrides: Record<string, string> = {
      "listeners.tcp.default": `127.0.0.1:${amqpPort}`,
      "management.tcp.port": String(managementPort),
      "management.tcp.ip": "127.0.0.1",
      "definitions.local.path": join(dir, "definitions.json"),
      "log.file": join(dir, "log", "rabbit.log"),
    };
    const base = await readFile(join(infraDir, "rabbitmq/rabbitmq.conf"), "utf8");
    const kept = base.split("\n").filter((line) => {
      const key = line.split("=")[0]?.trim() ?? "";
      return !(key in overrides);
    });
    const conf = [...kept, "## per instance", ...Object.entries(overrides).map(([k, v]) => `${k} = ${v}`), ""].join("\n");
    await writeFile(join(dir, "rabbitmq.conf"), conf);
    await copyFile(join(infraDir, "rabbitmq/enabled_plugins"), join(dir, "enabled_plugins"));

    const instance = new RabbitMqInstance({
      dir, amqpPort, managementPort, distPort, epmdPort, passwords, definitions,
      startTimeoutMs: options.startTimeoutMs ?? 90_000,
    });
    try {
      await instance.#startEpmd();
      await instance.restart();
    } catch (error) {
      await instance.close().catch(() => undefined);
      throw error;
    }
    return instance;
  }

  get nodeName(): string {
    return `copr-${this.amqpPort}@localhost`;
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

  async #startEpmd(): Promise<void> {
    this.#epmd = ServiceProcess.spawn(EPMD, ["-port", String(this.#epmdPort), "-address", "127.0.0.1"], this.#env(), join(this.dir, "log", "epmd.log"), this.dir);
    await waitForPort(this.#epmdPort, 10_000, () => this.#epmd?.alive === true);
  }

  /** Starts the node (again) on the same ports and data; resolves once it is ready. */
  async restart(): Promise<void> {
    if (this.running) return;
    const node = ServiceProcess.spawn(RABBITMQ_SERVER, [], this.#env(), join(this.dir, "log", "startup.log"), this.dir, this.dir);
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

  /** Stops the node and epmd and removes the data directory. Safe to call twice. */
  async close(): Promise<void> {
    await this.stop();
    await this.#epmd?.signal("SIGTERM");
    await rm(this.dir, { recursive: true, force: true });
  }
}
