import { createHmac, randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { RabbitMq3Admin, type AgentCredentials } from "@copr/bus";
import { ManagementClient } from "./management.ts";
import type { BrokerUser } from "./rabbitmq.ts";
import type { RedisUser } from "./redis.ts";

// Node 20 has no Symbol.asyncDispose yet; use the symbol that the `await using`
// down-levelling helpers (esbuild, oxc, babel) fall back to.
(Symbol as { asyncDispose?: symbol }).asyncDispose ??= Symbol.for("Symbol.asyncDispose");

/** What the integration-test global setup shares with every test file (inject("services")). */
export interface SharedServices {
  /** AMQP port of the shared RabbitMQ node on 127.0.0.1. */
  amqpPort: number;
  /** Management HTTP API port of the shared RabbitMQ node on 127.0.0.1. */
  managementPort: number;
  /** Password of every broker user of the shared node. */
  passwords: Record<BrokerUser, string>;
  /** redis://USER:PASSWORD@127.0.0.1:port of the shared Redis server, per ACL user. */
  redisUrls: Record<RedisUser, string>;
}

/** A vhost of its own on the shared broker, set up like the production vhost "copr". */
export interface BusNamespace {
  vhost: string;
  amqpPort: number;
  managementPort: number;
  credentials(user: BrokerUser): { username: string; password: string };
  /**
   * Gives agent `name` its own broker user, request queue and permissions in
   * this vhost, as `copr worker add` does, and returns its login. The
   * password is derived from the name, so test files that use the same agent
   * name on the shared broker agree on it.
   */
  agent(name: string): Promise<AgentCredentials>;
  /** The administrator that `agent()` uses, for tests of removal. */
  admin: RabbitMq3Admin;
}

export interface RedisNamespace {
  /** The shared server's URL for each ACL user (infra/redis/users.acl): give each component its own. */
  urls: Record<RedisUser, string>;
  /** Prefix ("copr:t-<hex>:", inside the components' ACL key pattern) that every key of the test must start with. */
  keyPrefix: string;
}

function namespaceName(): string {
  return `t-${randomBytes(6).toString("hex")}`;
}

/** Creates a fresh vhost t-<hex> on the shared broker; disposing deletes it with all its queues. */
export async function busNamespace(
  services: Pick<SharedServices, "amqpPort" | "managementPort" | "passwords">,
): Promise<BusNamespace & AsyncDisposable> {
  const management = new ManagementClient({
    port: services.managementPort, username: "copr-admin", password: services.passwords["copr-admin"],
  });
  const vhost = namespaceName();
  try {
    await management.createVhost(vhost);
  } catch (err) {
    await management.deleteVhost(vhost).catch(() => undefined);
    throw err;
  }
  const admin = new RabbitMq3Admin({
    managementUrl: `http://127.0.0.1:${services.managementPort}`, username: "copr-admin", password: services.passwords["copr-admin"],
    vhost, domainPrefix: "org.fedoraproject.copr",
  });
  return {
    vhost,
    amqpPort: services.amqpPort,
    managementPort: services.managementPort,
    credentials: (user) => ({ username: user, password: services.passwords[user] }),
    admin,
    agent: (name) => admin.addAgent(name, { password: createHmac("sha256", services.passwords["copr-admin"]).update(name).digest("hex") }),
    [Symbol.asyncDispose]: async () => {
      await management.deleteVhost(vhost);
    },
  };
}

/** A key prefix copr:t-<hex>: of its own on the shared Redis; disposing deletes every key with that prefix. */
export function redisNamespace(services: Pick<SharedServices, "redisUrls">): Promise<RedisNamespace & AsyncDisposable> {
  const keyPrefix = `copr:${namespaceName()}:`;
  const urls = services.redisUrls;
  return Promise.resolve({
    urls,
    keyPrefix,
    [Symbol.asyncDispose]: async () => {
      await deleteKeys(urls["copr-admin"], keyPrefix);
    },
  });
}

/** SCAN + DEL of every key that starts with prefix (prefix must not contain glob characters). */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000, retryStrategy: () => null });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
