import { BusError } from "../errors.ts";
import { parseAgentName } from "../names.ts";
import { LOCATE_TOPIC } from "../rpc/envelope.ts";
import type { BrokerProfile } from "./profile.ts";

export const SIGNAL_EXCHANGE = "amq.topic";
/** Topic exchanges from infra/rabbitmq/definitions.json: only consoles may write requests, only agents replies. */
export const REQUEST_EXCHANGE = "qmf.request";
export const REPLY_EXCHANGE = "qmf.reply";

export interface RabbitMq3Options {
  vhost: string;
  username: string;
  password: string;
  /** Management API base URL(s), one per node; needed only for `ensureDurableQueue`. */
  managementUrl?: string | readonly string[] | undefined;
  /** Declare durable queues as quorum queues (a cluster). Default false. */
  quorumQueues?: boolean | undefined;
}

/** The `arguments` of a durable queue declaration: quorum queues are replicated on the cluster's nodes. */
export function durableQueueArguments(quorum: boolean | undefined): Record<string, string> {
  return quorum === true ? { "x-queue-type": "quorum" } : {};
}

/**
 * The durable queue an agent reads its requests from: `copr.agent.` and the
 * agent name with dots for colons (the parts of a name have no dots, so two
 * agents never share a queue).
 */
export function agentQueueName(agentName: string): string {
  const { vendor, product, instance } = parseAgentName(agentName);
  return `copr.agent.${vendor}.${product}.${instance}`;
}

/**
 * Calls RabbitMQ's management HTTP API; BusError MANAGEMENT_FAILED or
 * UNAUTHORIZED when it says no. With several URLs (a cluster), a node that
 * does not answer or answers 5xx is skipped for the next one.
 */
export async function managementCall(
  target: { managementUrl: string | readonly string[]; username: string; password: string },
  method: string,
  path: string,
  body?: unknown,
  okStatuses: readonly number[] = [],
): Promise<Response> {
  const auth = Buffer.from(`${target.username}:${target.password}`).toString("base64");
  const urls = typeof target.managementUrl === "string" ? [target.managementUrl] : target.managementUrl;
  let res: Response | undefined;
  const failures: string[] = [];
  for (const [i, url] of urls.entries()) {
    try {
      res = await fetch(new URL(path, url), {
        method,
        headers: { authorization: `Basic ${auth}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (cause) {
      failures.push(`${url} unreachable`);
      if (i === urls.length - 1) throw new BusError("MANAGEMENT_FAILED", `management API ${failures.join(", ")}`, { cause });
      continue;
    }
    if (res.status < 500 || i === urls.length - 1) break;
    failures.push(`${url} HTTP ${res.status}`);
    await res.body?.cancel();
  }
  if (res === undefined) throw new BusError("MANAGEMENT_FAILED", "no management API URL configured");
  if (!res.ok && !okStatuses.includes(res.status)) {
    const text = await res.text();
    const code = res.status === 401 || res.status === 403 ? "UNAUTHORIZED" : "MANAGEMENT_FAILED";
    throw new BusError(code, `management API ${method} ${path}: HTTP ${res.status} ${text}`);
  }
  return res;
}

/**
 * RabbitMQ 3.x with rabbitmq_amqp1_0: `/exchange/X/RK` addresses, no dynamic
 * nodes, no anonymous relay, no filters. A receiver on `/exchange/X/RK` gets a
 * generated `amq.gen-*` queue (expired by policy) whose name the attach does
 * not return, so durable named subscriptions are declared through the
 * management API and consumed with `/amq/queue/NAME`. Agents read requests
 * from their own durable queue (see `agentQueueName`), declared with the
 * agent's broker user by RabbitMq3Admin.
 */
export function rabbitMq3Profile(options: RabbitMq3Options): BrokerProfile {
  const declared = new Set<string>();
  async function management(method: string, path: string, body: unknown): Promise<void> {
    if (options.managementUrl === undefined) {
      throw new BusError(
        "MANAGEMENT_FAILED",
        "durable subscriptions on RabbitMQ 3.x need bus.managementUrl (the management API), or the queue declared in infra/rabbitmq/definitions.json",
      );
    }
    const res = await managementCall({ managementUrl: options.managementUrl, username: options.username, password: options.password }, method, path, body);
    await res.body?.cancel();
  }
  const v = encodeURIComponent(options.vhost);
  return {
    name: "rabbitmq3",
    signalTarget: (rk) => `/exchange/${SIGNAL_EXCHANGE}/${rk}`,
    topicSource: (key) => `/exchange/${SIGNAL_EXCHANGE}/${key}`,
    queueSource: (queue) => `/amq/queue/${queue}`,
    requestTarget: (agent) => `/exchange/${REQUEST_EXCHANGE}/${agent}`,
    locateTarget: () => `/exchange/${REQUEST_EXCHANGE}/${LOCATE_TOPIC}`,
    requestSource: (agent) => `/amq/queue/${agentQueueName(agent)}`,
    replyAddress: (consoleId) => `/exchange/${REPLY_EXCHANGE}/${consoleId}`,
    isReplyAddress: (address) => /^\/exchange\/qmf\.reply\/[A-Za-z0-9_.:-]+$/.test(address),
    async ensureDurableQueue(queue, bindingKeys) {
      const id = `${queue}\n${[...bindingKeys].sort().join("\n")}`;
      if (declared.has(id)) return;
      const q = encodeURIComponent(queue);
      await management("PUT", `/api/queues/${v}/${q}`, { durable: true, auto_delete: false, arguments: durableQueueArguments(options.quorumQueues) });
      for (const key of bindingKeys) {
        await management("POST", `/api/bindings/${v}/e/${SIGNAL_EXCHANGE}/q/${q}`, { routing_key: key, arguments: {} });
      }
      declared.add(id);
    },
  };
}
