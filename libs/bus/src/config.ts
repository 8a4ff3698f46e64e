import { z } from "zod";
import { BusError } from "./errors.ts";

/**
 * Connection settings of one process's bus connection. Read once at start
 * (see `parseBusConfig`), validated, frozen.
 */
const brokerNodeSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535),
});

/** One broker node a client may connect to. */
export type BrokerNode = z.output<typeof brokerNodeSchema>;

export const busConfigSchema = z.object({
  /** Broker host (one node). Default "127.0.0.1". Ignored when `nodes` is given. */
  host: z.string().min(1).default("127.0.0.1"),
  /** Broker AMQP port. Default 5672. Ignored when `nodes` is given. */
  port: z.coerce.number().int().min(1).max(65535).default(5672),
  /**
   * Every node of a RabbitMQ cluster. The connection starts on one of them
   * (spread by container id) and, when it drops, tries the next one.
   */
  nodes: z.array(brokerNodeSchema).min(1, "name at least one broker node").optional(),
  /** Start on the first of `nodes` instead of spreading processes over them. Default false. */
  preferFirstNode: z.boolean().optional(),
  /** Virtual host. Default "copr" (infra/rabbitmq/definitions.json). */
  vhost: z.string().min(1).default("copr"),
  /** Broker user of this component (headhunter, copr-web, worker, subscriber). Required. */
  username: z.string().min(1, "set the broker user of this component (e.g. headhunter)"),
  /** Its password. Required. */
  password: z.string().min(1, "set the broker password for this user"),
  /** AMQP container id; identifies this process to the broker. Default: a random id. */
  containerId: z.string().min(1).optional(),
  /** Prefix of the service domains. Default "org.fedoraproject.copr". */
  domainPrefix: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/).default("org.fedoraproject.copr"),
  /**
   * Management API base URL, used on RabbitMQ 3.x only to declare durable
   * named subscription queues and their bindings (e.g. "http://127.0.0.1:15672").
   * Optional: without it, durable subscriptions need the queue declared in definitions.
   * On a cluster, one URL per node: a call goes to the next one when a node is down.
   */
  managementUrl: z.union([z.url(), z.array(z.url()).min(1)]).optional(),
  /**
   * Declare durable queues (Headhunter's status queue, agents' request
   * queues) as quorum queues, replicated on the cluster's nodes. Default:
   * on when more than one node is configured.
   */
  quorumQueues: z.boolean().optional(),
  /** First reconnect delay, ms. Default 100. */
  reconnectInitialDelayMs: z.coerce.number().int().min(10).default(100),
  /** Longest reconnect delay, ms. Default 2000. */
  reconnectMaxDelayMs: z.coerce.number().int().min(10).default(2000),
  /** How long `BusConnection.open()` waits for the first connection, ms. Default 10000. */
  connectTimeoutMs: z.coerce.number().int().min(100).default(10_000),
  /** AMQP idle timeout: a silent peer is declared dead after this, ms. Default 10000. */
  idleTimeoutMs: z.coerce.number().int().min(1000).default(10_000),
});

export type BusConfigInput = z.input<typeof busConfigSchema>;
export type BusConfig = Readonly<z.output<typeof busConfigSchema>>;

/** Validates bus settings once; throws a BusError naming every bad field. */
export function parseBusConfig(input: unknown): BusConfig {
  const result = busConfigSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  bus.${i.path.join(".")}: ${i.message}`);
    throw new BusError("INVALID_CONFIG", `invalid bus configuration:\n${lines.join("\n")}`);
  }
  return Object.freeze(result.data);
}

/** The nodes to connect to: `nodes`, or the single `host`/`port`. */
export function brokerNodes(config: BusConfig): readonly BrokerNode[] {
  return config.nodes ?? [{ host: config.host, port: config.port }];
}

/** Management API URLs in the order to try them. */
export function managementUrls(config: Pick<BusConfig, "managementUrl">): readonly string[] {
  const m = config.managementUrl;
  return m === undefined ? [] : typeof m === "string" ? [m] : m;
}

/** Whether durable queues are quorum queues (see `quorumQueues`). */
export function usesQuorumQueues(config: BusConfig): boolean {
  return config.quorumQueues ?? brokerNodes(config).length > 1;
}

