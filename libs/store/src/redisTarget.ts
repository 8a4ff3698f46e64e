import { Redis, type RedisOptions } from "ioredis";

/** A Sentinel group that names the current Redis master. */
export interface SentinelTarget {
  /** Every Sentinel (each answers; one is enough to find the master). */
  nodes: readonly { host: string; port: number }[];
  /** The master name the Sentinels monitor (`sentinel monitor NAME …`). */
  masterName: string;
  /** The Sentinels' own password (their `requirepass`), if they have one. */
  password?: string | undefined;
}

/**
 * Where a component's Redis is: a redis:// URL with the component's ACL user
 * and password, and optionally a Sentinel group. With Sentinel, the URL's
 * host and port are not used: the Sentinels name the master, and after a
 * failover the client reconnects to the one they promote.
 */
export interface RedisTarget {
  url: string;
  sentinel?: SentinelTarget | undefined;
}

/** An ioredis client for `target` with these extra options (retry policy, lazyConnect…). */
export function connectRedis(target: RedisTarget | string, options: RedisOptions = {}): Redis {
  const t = typeof target === "string" ? { url: target } : target;
  if (t.sentinel === undefined) return new Redis(t.url, options);
  const url = new URL(t.url);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return new Redis({
    ...options,
    sentinels: t.sentinel.nodes.map((n) => ({ host: n.host, port: n.port })),
    name: t.sentinel.masterName,
    ...(t.sentinel.password === undefined ? {} : { sentinelPassword: t.sentinel.password }),
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    db,
    ...(url.protocol === "rediss:" ? { tls: {}, enableTLSForSentinelMode: true } : {}),
  });
}

/** Where a target points, for logs and errors (no password). */
export function describeRedisTarget(target: RedisTarget | string): string {
  const t = typeof target === "string" ? { url: target } : target;
  if (t.sentinel !== undefined) {
    return `master "${t.sentinel.masterName}" of Sentinels ${t.sentinel.nodes.map((n) => `${n.host}:${n.port}`).join(", ")}`;
  }
  const u = new URL(t.url);
  return `${u.hostname}:${u.port === "" ? "6379" : u.port}`;
}
