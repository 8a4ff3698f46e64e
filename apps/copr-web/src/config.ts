import { fileURLToPath } from "node:url";
import { z } from "zod";
import { busEnvSchema, busEnvSettings, loadEnvConfig, redisEnvSchema, redisEnvSettings } from "@copr/config";

const DEFAULT_CHROOTS = "fedora-40-x86_64,fedora-40-aarch64,fedora-41-x86_64,fedora-41-aarch64,fedora-rawhide-x86_64,epel-9-x86_64,epel-9-aarch64";

/** The production build of the web UI (`npm run build:ui`): apps/copr-web/dist/ui. */
const DEFAULT_UI_DIR = fileURLToPath(new URL("../dist/ui", import.meta.url));

const schema = redisEnvSchema.extend({
  host: z.string().default("127.0.0.1"),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** URL users and workers reach this server at (for .repo files and links). */
  publicUrl: z.url().optional(),
  /** Uploaded SRPMs and published results live under this directory. */
  dataDir: z.string().default("/var/lib/copr"),
  /** Largest accepted SRPM, MiB. */
  maxSrpmMiB: z.coerce.number().int().min(1).max(10_240).default(500),
  /** Longest a build from a URL may take to download its SRPM, seconds. */
  urlFetchTimeoutS: z.coerce.number().int().min(1).max(3600).default(120),
  /**
   * Networks a build's SRPM URL may point into although they are not public
   * (loopback, private, link-local), as CIDRs; default none.
   */
  urlAllowNets: z.string().default("").transform((s, ctx) => {
    const nets = s.split(",").map((n) => n.trim()).filter((n) => n !== "");
    for (const n of nets) {
      if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(n)) ctx.addIssue({ code: "custom", message: `"${n}" is not a CIDR such as 127.0.0.0/8 or fd00::/8` });
    }
    return nets;
  }),
  /** Auto-prune: results of builds superseded by a newer success are removed this many days after they ended. */
  pruneDays: z.coerce.number().min(0).max(3650).default(14),
  /** Seconds between auto-prune passes; 0 turns pruning off. */
  pruneIntervalS: z.coerce.number().int().min(0).max(7 * 86_400).default(3600),
  /** Chroots projects may use. */
  chroots: z.string().default(DEFAULT_CHROOTS).transform((s) => s.split(",").map((c) => c.trim()).filter((c) => c !== "")),
  /** Directory of the built web UI (index.html and assets/) served for every page route. */
  uiDir: z.string().min(1).default(DEFAULT_UI_DIR),
  /** Development only: API error bodies carry the server's stack trace. */
  debug: z.enum(["0", "1"], { error: "must be 0 or 1" }).default("0").transform((v) => v === "1"),
  /** The bus is optional for copr-web: with it, the builders page shows live agents. */
  busHost: busEnvSchema.shape.busHost,
  busPort: busEnvSchema.shape.busPort,
  busNodes: busEnvSchema.shape.busNodes,
  busVhost: busEnvSchema.shape.busVhost,
  busUser: z.string().default("copr-web"),
  busPassword: z.string().min(1).optional(),
  domainPrefix: busEnvSchema.shape.domainPrefix,
  /** RabbitMQ management API: `copr worker add` creates each worker's broker user there. */
  busManagementUrl: busEnvSchema.shape.busManagementUrl,
  brokerAdminUser: z.string().min(1).default("copr-admin"),
  brokerAdminPassword: z.string().min(1).optional(),
});

export type WebConfig = Readonly<z.output<typeof schema>>;

export function loadWebConfig(env: Readonly<Record<string, string | undefined>> = process.env): WebConfig {
  return loadEnvConfig("copr-web", schema, {
    host: { env: "COPR_WEB_HOST", help: "listen address, default 127.0.0.1" },
    port: { env: "COPR_WEB_PORT", help: "listen port, default 8080 (0 = any free port)" },
    publicUrl: { env: "COPR_WEB_PUBLIC_URL", help: "URL users and workers use, default http://HOST:PORT" },
    ...redisEnvSettings,
    dataDir: { env: "COPR_WEB_DATA_DIR", help: "directory for SRPMs and results, default /var/lib/copr" },
    maxSrpmMiB: { env: "COPR_WEB_MAX_SRPM_MIB", help: "largest SRPM accepted, MiB, default 500" },
    urlFetchTimeoutS: { env: "COPR_WEB_URL_FETCH_TIMEOUT_S", help: "seconds a build from a URL may take to download its SRPM, default 120" },
    urlAllowNets: { env: "COPR_WEB_URL_ALLOW_NETS", help: "comma-separated CIDRs that SRPM URLs may point into although not public (e.g. 127.0.0.0/8), default none" },
    pruneDays: { env: "COPR_PRUNE_DAYS", help: "days after which superseded and failed builds' results are pruned (projects with auto-prune on), default 14" },
    pruneIntervalS: { env: "COPR_PRUNE_INTERVAL_S", help: "seconds between pruning passes, 0 = off, default 3600" },
    chroots: { env: "COPR_WEB_CHROOTS", help: `comma-separated chroots projects may use, default ${DEFAULT_CHROOTS}` },
    uiDir: { env: "COPR_WEB_UI_DIR", help: "directory of the built web UI (npm run build:ui), default apps/copr-web/dist/ui" },
    debug: { env: "COPR_WEB_DEBUG", help: "1 puts stack traces in API error bodies (development only), default 0" },
    busHost: busEnvSettings.busHost,
    busPort: busEnvSettings.busPort,
    busNodes: busEnvSettings.busNodes,
    busVhost: busEnvSettings.busVhost,
    busUser: { env: "COPR_BUS_USER", help: "broker user, default copr-web" },
    busPassword: { env: "COPR_BUS_PASSWORD", help: "broker password of copr-web; without it the builders page shows registrations only" },
    domainPrefix: busEnvSettings.domainPrefix,
    busManagementUrl: { env: "COPR_BUS_MANAGEMENT_URL", help: "RabbitMQ management API URL (on a cluster, one per node, separated by commas); with COPR_BROKER_ADMIN_PASSWORD, `copr worker add` creates the worker's broker user" },
    brokerAdminUser: { env: "COPR_BROKER_ADMIN_USER", help: "broker administrator that creates workers' broker users, default copr-admin" },
    brokerAdminPassword: { env: "COPR_BROKER_ADMIN_PASSWORD", help: "that administrator's password; without it `copr worker add` is refused" },
  }, env);
}
