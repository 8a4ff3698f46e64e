import { z } from "zod";

/** Thrown once at start when configuration is missing or invalid; the message says what to set. */
export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(component: string, issues: readonly string[]) {
    super(`${component}: invalid configuration:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** One setting read from the environment: its variable and what it means (shown in errors). */
export interface EnvSetting {
  env: string;
  help: string;
}

/**
 * Reads settings from an environment map once, validates them with zod and
 * freezes the result. `settings` maps each schema field to its variable, so
 * error messages name the variable to set. Nothing else reads process.env.
 */
export function loadEnvConfig<S extends z.ZodObject>(
  component: string,
  schema: S,
  settings: { [K in keyof z.input<S>]-?: EnvSetting },
  env: Readonly<Record<string, string | undefined>>,
): Readonly<z.output<S>> {
  const input: Record<string, string> = {};
  for (const [field, setting] of Object.entries<EnvSetting>(settings)) {
    const value = env[setting.env];
    if (value !== undefined && value !== "") input[field] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? "");
      const setting = (settings as Record<string, EnvSetting | undefined>)[field];
      return setting === undefined ? issue.message : `${setting.env}: ${issue.message} (${setting.help})`;
    });
    throw new ConfigError(component, issues);
  }
  return Object.freeze(result.data);
}

const NODE = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::(\d{1,5}))?$/;

/** "host:port,host:port" (a host alone gets `defaultPort`) as nodes; one error per bad entry. */
export const nodeListSchema = (defaultPort: number) => z.string().transform((text, ctx) => {
  const nodes: { host: string; port: number }[] = [];
  for (const entry of text.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const m = NODE.exec(entry);
    const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
    if (m?.[1] === undefined || port < 1 || port > 65535) {
      ctx.addIssue({ code: "custom", message: `"${entry}" is not HOST or HOST:PORT` });
      continue;
    }
    nodes.push({ host: m[1].replace(/^\[|\]$/g, ""), port });
  }
  if (nodes.length === 0) ctx.addIssue({ code: "custom", message: "names no node" });
  return nodes;
});

/** One URL, or several separated by commas (one per cluster node). */
export const urlListSchema = z.string().transform((text) => text.split(",").map((s) => s.trim()).filter((s) => s !== ""))
  .pipe(z.array(z.url({ error: "must be an http:// URL, e.g. http://127.0.0.1:15672" })).min(1));

/** Bus connection settings shared by every component, from COPR_BUS_* variables. */
export const busEnvSchema = z.object({
  busHost: z.string().default("127.0.0.1"),
  busPort: z.coerce.number().int().min(1).max(65535).default(5672),
  busNodes: nodeListSchema(5672).optional(),
  busVhost: z.string().default("copr"),
  busUser: z.string({ error: "is required" }).min(1),
  busPassword: z.string({ error: "is required" }).min(1),
  busManagementUrl: urlListSchema.optional(),
  domainPrefix: z.string().default("org.fedoraproject.copr"),
});

export const busEnvSettings = {
  busHost: { env: "COPR_BUS_HOST", help: "broker host, default 127.0.0.1" },
  busPort: { env: "COPR_BUS_PORT", help: "broker AMQP port, default 5672" },
  busNodes: { env: "COPR_BUS_NODES", help: "every node of a RabbitMQ cluster as HOST:PORT,HOST:PORT,… (instead of COPR_BUS_HOST/PORT); durable queues are then quorum queues" },
  busVhost: { env: "COPR_BUS_VHOST", help: "broker virtual host, default copr" },
  busUser: { env: "COPR_BUS_USER", help: "this component's broker user from infra/rabbitmq/definitions.json" },
  busPassword: { env: "COPR_BUS_PASSWORD", help: "that user's broker password" },
  busManagementUrl: { env: "COPR_BUS_MANAGEMENT_URL", help: "RabbitMQ management API URL, needed for durable subscriptions; on a cluster one per node, separated by commas" },
  domainPrefix: { env: "COPR_DOMAIN_PREFIX", help: "signal domain prefix, default org.fedoraproject.copr" },
} as const satisfies Record<keyof z.input<typeof busEnvSchema>, EnvSetting>;

/** Redis settings shared by copr-web and Headhunter, from COPR_REDIS_* variables. */
export const redisEnvSchema = z.object({
  redisUrl: z.string({ error: "is required" })
    .regex(/^rediss?:\/\//, "must be a redis:// URL")
    .refine((u) => URL.canParse(u) && new URL(u).username !== "" && new URL(u).password !== "", {
      error: "must name this component's Redis user and password, redis://USER:PASSWORD@HOST:PORT (an ACL user of infra/redis/users.acl; Redis refuses anyone else)",
    }),
  redisPrefix: z.string().default("copr:"),
  redisSentinels: nodeListSchema(26379).optional(),
  redisMasterName: z.string().regex(/^[A-Za-z0-9._-]+$/, "must be the master name the Sentinels monitor").default("copr"),
  redisSentinelPassword: z.string().min(1).optional(),
});

export const redisEnvSettings = {
  redisUrl: { env: "COPR_REDIS_URL", help: "Redis URL with this component's ACL user, e.g. redis://headhunter:PASSWORD@127.0.0.1:6379" },
  redisPrefix: { env: "COPR_REDIS_PREFIX", help: "Redis key prefix, default copr:" },
  redisSentinels: { env: "COPR_REDIS_SENTINELS", help: "Redis Sentinels as HOST:PORT,HOST:PORT,… (default port 26379); they name the master, and COPR_REDIS_URL then gives only user, password and db" },
  redisMasterName: { env: "COPR_REDIS_MASTER_NAME", help: "the master name the Sentinels monitor, default copr" },
  redisSentinelPassword: { env: "COPR_REDIS_SENTINEL_PASSWORD", help: "the Sentinels' own password (their requirepass), if they have one" },
} as const satisfies Record<keyof z.input<typeof redisEnvSchema>, EnvSetting>;

/** Where Redis is (the store's RedisTarget): the URL, and the Sentinel group when one is configured. */
export function redisTarget(c: z.output<typeof redisEnvSchema>): {
  url: string; sentinel?: { nodes: { host: string; port: number }[]; masterName: string; password?: string };
} {
  if (c.redisSentinels === undefined) return { url: c.redisUrl };
  return {
    url: c.redisUrl,
    sentinel: {
      nodes: c.redisSentinels, masterName: c.redisMasterName,
      ...(c.redisSentinelPassword === undefined ? {} : { password: c.redisSentinelPassword }),
    },
  };
}

/** The bus library's config input built from the shared bus settings. */
export function busConfigInput(c: z.output<typeof busEnvSchema>): {
  host: string; port: number; nodes?: { host: string; port: number }[]; vhost: string; username: string; password: string; managementUrl?: string[]; domainPrefix: string;
} {
  return {
    host: c.busHost,
    port: c.busPort,
    ...(c.busNodes !== undefined ? { nodes: c.busNodes } : {}),
    vhost: c.busVhost,
    username: c.busUser,
    password: c.busPassword,
    ...(c.busManagementUrl !== undefined ? { managementUrl: c.busManagementUrl } : {}),
    domainPrefix: c.domainPrefix,
  };
}
