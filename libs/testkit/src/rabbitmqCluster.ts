import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { RabbitMq3Admin } from "@copr/bus";
import { servicePath } from "./env.ts";
import type { ManagementClient } from "./management.ts";
import { freePort } from "./ports.ts";
import { infraDir, tmpRoot } from "./paths.ts";
import type { ServiceProcess } from "./process.ts";
import { newBrokerSecrets, RabbitMqInstance, startEpmd, type BrokerUser } from "./rabbitmq.ts";
import { reapStale } from "./reaper.ts";
import { until } from "./until.ts";

export interface RabbitMqClusterOptions {
  /** How long each node may take to start (and the cluster to list it running), ms. Default 90 000. */
  startTimeoutMs?: number;
}

/** One entry of the management API's GET /api/nodes. */
interface NodeListing {
  name: string;
  running: boolean;
  partitions?: string[];
}

/**
 * A three-node RabbitMQ cluster for tests, all on 127.0.0.1, configured like
 * production by infra/rabbitmq (rabbitmq.conf, definitions.json and
 * cluster.conf.example: classic_config peer discovery, pause_minority).
 * Every node is a RabbitMqInstance; they register with one epmd of the
 * cluster's own and share one cookie and one set of passwords.
 */
export class RabbitMqCluster {
  readonly nodes: readonly RabbitMqInstance[];
  readonly passwords: Readonly<Record<BrokerUser, string>>;
  readonly dir: string;
  /** The epmd every node registers with (ERL_EPMD_PORT for rabbitmqctl, with HOME set to a node's dir for the cookie). */
  readonly epmdPort: number;
  readonly #epmd: ServiceProcess;
  readonly #startTimeoutMs: number;

  private constructor(init: {
    dir: string; epmdPort: number; epmd: ServiceProcess; nodes: RabbitMqInstance[]; passwords: Readonly<Record<BrokerUser, string>>; startTimeoutMs: number;
  }) {
    this.dir = init.dir;
    this.epmdPort = init.epmdPort;
    this.#epmd = init.epmd;
    // Filled in by #startOnce as the nodes come up.
    this.nodes = init.nodes;
    this.passwords = init.passwords;
    this.#startTimeoutMs = init.startTimeoutMs;
  }

  /**
   * Starts node 1 alone, then nodes 2 and 3 side by side, which join it by
   * peer discovery; resolves once every node's management API lists all
   * three as running. Node 1 lists no peers, so it founds the cluster
   * without waiting out discovery retries; nodes 2 and 3 list node 1. Blank
   * nodes booted all at once could found clusters of their own, or join a
   * node still booting (tried: that took a minute, or failed).
   * A port taken by someone else between probe and bind means a fresh try
   * of the whole cluster (3 times): a node that failed half-way would stay
   * listed as a member, and a dead member counts against pause_minority's
   * majority.
   */
  static async start(options: RabbitMqClusterOptions = {}): Promise<RabbitMqCluster> {
    reapStale(tmpRoot);
    const config = clusterConf(await readFile(join(infraDir, "rabbitmq/cluster.conf.example"), "utf8"));
    for (let attempt = 1; ; attempt++) {
      try {
        return await RabbitMqCluster.#startOnce(config, options.startTimeoutMs ?? 90_000);
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  }

  static async #startOnce(config: string, startTimeoutMs: number): Promise<RabbitMqCluster> {
    const secrets = await newBrokerSecrets();
    const cookie = randomBytes(20).toString("hex").toUpperCase();
    const epmdPort = await freePort();
    const dir = join(tmpRoot, `rabbitmq-cluster-${epmdPort}-${randomBytes(3).toString("hex")}`);
    await mkdir(dir, { recursive: true });
    const env = { PATH: servicePath(), HOME: dir, LANG: "C.UTF-8", ERL_EPMD_PORT: String(epmdPort), ERL_EPMD_ADDRESS: "127.0.0.1" };
    let epmd: ServiceProcess;
    try {
      epmd = await startEpmd(epmdPort, env, join(dir, "epmd.log"), dir);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    const nodes: RabbitMqInstance[] = [];
    const cluster = new RabbitMqCluster({ dir, epmdPort, epmd, nodes, passwords: secrets.passwords, startTimeoutMs });
    const member = async (i: number, peers: readonly string[]): Promise<RabbitMqInstance> => {
      const node = await RabbitMqInstance.start({
        dir: join(dir, `node-${i}`), startTimeoutMs, secrets, member: { epmdPort, cookie, peers, config, ownerDir: dir },
      });
      // Kept in order (node-1, node-2, …) whatever finishes first.
      nodes[i - 1] = node;
      return node;
    };
    try {
      const founder = await member(1, []);
      const joiners = await Promise.allSettled([2, 3].map((i) => member(i, [founder.nodeName])));
      for (const r of joiners) if (r.status === "rejected") throw r.reason;
      await cluster.#waitUntilFormed([]);
    } catch (error) {
      await cluster.close().catch(() => undefined);
      throw error;
    }
    return cluster;
  }

  /** The first running node, which the management calls below go to. */
  get first(): RabbitMqInstance {
    const node = this.nodes.find((n) => n.running);
    if (node === undefined) throw new Error("no node of the cluster is running");
    return node;
  }

  /** Calls the management HTTP API of the first running node as copr-admin. */
  async management(method: string, path: string, body?: unknown): Promise<Response> {
    return await this.first.management(method, path, body);
  }

  /** A management API client acting as copr-admin on the first running node. */
  managementClient(): ManagementClient {
    return this.first.managementClient();
  }

  /** Creates agents' broker users in `vhost` as `copr worker add` does, through the first running node. */
  agentAdmin(vhost = "copr"): RabbitMq3Admin {
    return this.first.agentAdmin(vhost);
  }

  /** Creates a vhost set up like the production vhost "copr" (users and vhosts are cluster-wide). */
  async createVhost(name: string): Promise<void> {
    await this.first.createVhost(name);
  }

  async deleteVhost(name: string): Promise<void> {
    await this.first.deleteVhost(name);
  }

  /** kill -9 of node `i` (0-based; its whole process group), as a crash would. */
  async kill(i: number): Promise<void> {
    await this.#node(i).kill();
  }

  /** Graceful stop of node `i`. */
  async stop(i: number): Promise<void> {
    await this.#node(i).stop();
  }

  /**
   * Starts node `i` again with its data; it rejoins the cluster by itself
   * (a node that has been a member ignores peer discovery). Resolves once
   * every running node lists it, and each other, as running.
   */
  async restart(i: number): Promise<void> {
    const node = this.#node(i);
    await node.restart();
    await this.#waitUntilFormed([node]);
  }

  /**
   * Waits until the management API of every running node lists every
   * running node as running, without partitions; `required` nodes must be
   * among them (all nodes when empty).
   */
  async #waitUntilFormed(required: readonly RabbitMqInstance[]): Promise<void> {
    const must = required.length === 0 ? this.nodes : required;
    let seen = "nothing yet";
    try {
      await until(async () => {
        const down = must.filter((n) => !n.running);
        if (down.length > 0) throw new Error(`RabbitMQ node ${down.map((n) => n.nodeName).join(", ")} exited; see ${down.map((n) => join(n.dir, "log")).join(", ")}`);
        const up = this.nodes.filter((n) => n.running);
        const views = await Promise.all(up.map(async (n) => [n.nodeName, await nodeListing(n)] as const));
        seen = views.map(([name, list]) => `${name}: ${list === undefined ? "no answer" : list.map((l) => `${l.name}${l.running ? "" : " (down)"}`).join(", ")}`).join("; ");
        return views.every(([, list]) => list !== undefined && up.every((n) =>
          list.some((l) => l.name === n.nodeName && l.running && (l.partitions ?? []).length === 0)));
      }, this.#startTimeoutMs, "the cluster to list every running node as running", 200);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("timed out")) throw new Error(`${error.message}; last seen: ${seen}`);
      throw error;
    }
  }

  #node(i: number): RabbitMqInstance {
    const node = this.nodes[i];
    if (node === undefined) throw new Error(`the cluster has no node ${i} (nodes are 0 to ${this.nodes.length - 1})`);
    return node;
  }

  /** Stops every node, then epmd, and removes every directory. Safe to call twice. */
  async close(): Promise<void> {
    const results = await Promise.allSettled(this.nodes.map((n) => n.close()));
    await this.#epmd.signal("SIGTERM");
    await rm(this.dir, { recursive: true, force: true });
    const errors = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    if (errors.length > 0) throw new AggregateError(errors, `closing the RabbitMQ cluster failed: ${errors.map(String).join("; ")}`);
  }
}

/** A node's GET /api/nodes, or undefined while it does not answer. */
async function nodeListing(node: RabbitMqInstance): Promise<NodeListing[] | undefined> {
  try {
    const res = await node.management("GET", "/api/nodes");
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    return (await res.json()) as NodeListing[];
  } catch {
    return undefined;
  }
}

/**
 * infra/rabbitmq/cluster.conf.example as every member's extra config (the
 * node list is per instance); throws if it lacks a setting the cluster
 * relies on, so the documented and the tested settings cannot drift apart.
 */
function clusterConf(text: string): string {
  const settings = new Map(text.split("\n").flatMap((line) => {
    const m = /^\s*([^#\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
    return m === null ? [] : [[m[1] ?? "", m[2] ?? ""] as const];
  }));
  const required: [string, string][] = [
    ["cluster_formation.peer_discovery_backend", "classic_config"],
    ["cluster_partition_handling", "pause_minority"],
  ];
  const missing = required.filter(([k, v]) => settings.get(k) !== v).map(([k, v]) => `${k} = ${v}`);
  if (![...settings.keys()].some((k) => k.startsWith("cluster_formation.classic_config.nodes."))) missing.push("cluster_formation.classic_config.nodes.N");
  if (missing.length > 0) throw new Error(`infra/rabbitmq/cluster.conf.example has no line ${missing.join(", ")}`);
  return `## cluster (infra/rabbitmq/cluster.conf.example)\n${text}`;
}
