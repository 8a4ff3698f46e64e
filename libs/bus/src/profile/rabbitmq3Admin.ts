import { randomBytes } from "node:crypto";
import { workerBuildDomain } from "../catalog.ts";
import { assertDomain, parseAgentName } from "../names.ts";
import { HEARTBEAT_TOPIC, LOCATE_TOPIC } from "../rpc/envelope.ts";
import type { AgentCredentials, BrokerAdmin } from "./profile.ts";
import { REPLY_EXCHANGE, REQUEST_EXCHANGE, SIGNAL_EXCHANGE, agentQueueName, durableQueueArguments, managementCall } from "./rabbitmq3.ts";

export interface RabbitMq3AdminOptions {
  /** Management API base URL, e.g. http://127.0.0.1:15672; on a cluster, one per node. */
  managementUrl: string | readonly string[];
  /** Agents' request queues are quorum queues (a cluster: they survive the loss of a node). Default false. */
  quorumQueues?: boolean | undefined;
  /** A broker administrator (copr-admin in infra/rabbitmq/definitions.json). */
  username: string;
  password: string;
  vhost: string;
  /** Prefix of the service domains: the agent may publish its reports under `<prefix>.worker.build`. */
  domainPrefix: string;
}

/** A string matched literally inside an Erlang (PCRE) regular expression. */
function literal(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}-]/g, "\\$&");
}

/**
 * Agents' broker identities on RabbitMQ 3.x, through the management API.
 * An agent's user is named like the agent; it may
 * - read only its own durable request queue (bound to `qmf.request` with its
 *   name and the locate key), and declare nothing;
 * - publish on `amq.topic` only its own heartbeat key and its reports
 *   (`<prefix>.worker.build.status|log`, which Headhunter also checks against
 *   the sender's validated user id), and on `qmf.reply` only replies.
 */
export class RabbitMq3Admin implements BrokerAdmin {
  readonly #options: RabbitMq3AdminOptions;

  constructor(options: RabbitMq3AdminOptions) {
    assertDomain(options.domainPrefix);
    this.#options = options;
  }

  async #call(method: string, path: string, body?: unknown, okStatuses: readonly number[] = []): Promise<Response> {
    return await managementCall(this.#options, method, path, body, okStatuses);
  }

  async addAgent(agentName: string, options: { password?: string } = {}): Promise<AgentCredentials> {
    const queue = agentQueueName(agentName);
    const { vendor, product, instance } = parseAgentName(agentName);
    const password = options.password ?? randomBytes(24).toString("base64url");
    const v = encodeURIComponent(this.#options.vhost);
    const u = encodeURIComponent(agentName);
    const q = encodeURIComponent(queue);
    const reports = Object.keys(workerBuildDomain.signals).map((s) => literal(`${this.#options.domainPrefix}.${workerBuildDomain.domain}.${s}`));
    const heartbeat = literal(`${HEARTBEAT_TOPIC}.${vendor}.${product}.${instance}`);

    await this.#drain(this.#call("PUT", `/api/users/${u}`, { password, tags: "" }));
    await this.#drain(this.#call("PUT", `/api/queues/${v}/${q}`, { durable: true, auto_delete: false, arguments: durableQueueArguments(this.#options.quorumQueues) }));
    for (const key of [agentName, LOCATE_TOPIC]) {
      await this.#drain(this.#call("POST", `/api/bindings/${v}/e/${REQUEST_EXCHANGE}/q/${q}`, { routing_key: key, arguments: {} }));
    }
    await this.#drain(this.#call("PUT", `/api/permissions/${v}/${u}`, {
      configure: "^$",
      write: `^(${literal(SIGNAL_EXCHANGE)}|${literal(REPLY_EXCHANGE)})$`,
      read: `^${literal(queue)}$`,
    }));
    await this.#drain(this.#call("PUT", `/api/topic-permissions/${v}/${u}`, {
      exchange: SIGNAL_EXCHANGE, write: `^(${heartbeat}|${reports.join("|")})$`, read: "^$",
    }));
    await this.#drain(this.#call("PUT", `/api/topic-permissions/${v}/${u}`, { exchange: REPLY_EXCHANGE, write: ".*", read: "^$" }));
    return { username: agentName, password };
  }

  async removeAgent(agentName: string): Promise<void> {
    const queue = agentQueueName(agentName);
    const v = encodeURIComponent(this.#options.vhost);
    const u = encodeURIComponent(agentName);
    await this.#drain(this.#call("DELETE", `/api/queues/${v}/${encodeURIComponent(queue)}`, undefined, [404]));
    await this.#drain(this.#call("DELETE", `/api/permissions/${v}/${u}`, undefined, [404]));
    await this.#drain(this.#call("DELETE", `/api/topic-permissions/${v}/${u}`, undefined, [404]));
    // The same user may serve another vhost of this broker; it goes only when nothing uses it.
    const res = await this.#call("GET", `/api/users/${u}/permissions`, undefined, [404]);
    if (res.status === 404) {
      await res.body?.cancel();
      return;
    }
    const left = (await res.json()) as unknown[];
    if (left.length === 0) await this.#drain(this.#call("DELETE", `/api/users/${u}`, undefined, [404]));
  }

  async #drain(response: Promise<Response>): Promise<void> {
    await (await response).body?.cancel();
  }
}
