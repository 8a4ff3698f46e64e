import { hostname } from "node:os";
import { z } from "zod";
import { ConfigError, busEnvSchema, busEnvSettings, loadEnvConfig } from "@copr/config";

const defaultName = `fedoraproject:copr-worker:${hostname().replace(/[^A-Za-z0-9_-]/g, "-")}`;

const schema = busEnvSchema.extend({
  /** Each worker has its own broker user, named like the worker (`copr worker add` creates it). */
  busUser: z.string().optional(),
  /** Agent name vendor:product:instance. */
  name: z.string().regex(/^[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/, "must be vendor:product:instance (letters, digits, _ and -)").default(defaultName),
  /** Token from `copr worker add NAME`; proves this worker to Headhunter and copr-web. */
  token: z.string({ error: "is required" }).regex(/^copr_w_/, "must be a worker token from `copr worker add NAME` (starts with copr_w_)"),
  /** Where the worker keeps its boot count. */
  stateDir: z.string().default("/var/lib/copr-worker"),
  /** Heartbeat interval, ms. */
  heartbeatMs: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** JSON file listing the builder hosts (see infra/worker/builders.example.json). */
  buildersFile: z.string().optional(),
  /** copr-web as this worker reaches it: the only place it downloads SRPMs from and sends its token to. */
  webUrl: z.url({ error: "must be an http(s) URL such as http://copr.example.org:8080" }).transform((u) => u.replace(/\/+$/, "")).default("http://127.0.0.1:8080"),
  /** Results root of copr-web on this host: when set, this worker also regenerates repositories. */
  resultsDir: z.string().optional(),
  /** The signer's keys directory: when set, this worker is a signer (it needs resultsDir too). */
  signKeysDir: z.string().optional(),
  /** rpmsign runs at once on this signer. */
  signSlots: z.coerce.number().int().min(1).max(64).default(4),
  /** Mail domain of the signing keys' user ids; default the host name of webUrl. */
  signKeyDomain: z.string().regex(/^[A-Za-z0-9.-]+$/, "must be a domain name such as copr.example.org").optional(),
  /** Prometheus metrics at http://METRICS_HOST:METRICS_PORT/metrics; port 0 turns them off. */
  metricsHost: z.string().default("127.0.0.1"),
  metricsPort: z.coerce.number().int().min(0).max(65535).default(9465),
  /** Broker users allowed to start and cancel builds here. */
  dispatchers: z.string().default("headhunter").transform((s) => s.split(",").map((u) => u.trim()).filter((u) => u !== "")),
});

export type WorkerConfig = Readonly<Omit<z.output<typeof schema>, "busUser" | "signKeyDomain"> & { busUser: string; signKeyDomain: string }>;

/** Reads the worker's settings from the environment once. */
export function loadWorkerConfig(env: Readonly<Record<string, string | undefined>> = process.env): WorkerConfig {
  const config = loadEnvConfig("copr-worker", schema, {
    ...busEnvSettings,
    busUser: { env: "COPR_BUS_USER", help: "broker user: the worker's own, named like it (the default)" },
    name: { env: "COPR_WORKER_NAME", help: `agent name, default ${defaultName}` },
    token: { env: "COPR_WORKER_TOKEN", help: "the token `copr worker add NAME` printed" },
    stateDir: { env: "COPR_WORKER_STATE_DIR", help: "state directory, default /var/lib/copr-worker" },
    heartbeatMs: { env: "COPR_WORKER_HEARTBEAT_MS", help: "heartbeat interval in ms, default 5000" },
    buildersFile: { env: "COPR_WORKER_BUILDERS", help: "JSON file with the builder hosts (host, port, user, key_file, host_key_fingerprint, arches, slots)" },
    webUrl: { env: "COPR_WORKER_WEB_URL", help: "copr-web's URL as this worker reaches it (the same as Headhunter's COPR_WEB_URL), default http://127.0.0.1:8080" },
    resultsDir: { env: "COPR_WORKER_RESULTS_DIR", help: "copr-web's results directory, if this worker runs createrepo_c for it" },
    signKeysDir: { env: "COPR_WORKER_SIGN_KEYS_DIR", help: "directory of the per-project signing keys, readable by this worker only: makes this worker a signer (needs COPR_WORKER_RESULTS_DIR)" },
    signSlots: { env: "COPR_WORKER_SIGN_SLOTS", help: "packages signed at once (rpmsign runs), default 4" },
    signKeyDomain: { env: "COPR_WORKER_SIGN_KEY_DOMAIN", help: "mail domain of the keys' user ids (owner_project (Copr) <owner#project@DOMAIN>), default the host of COPR_WORKER_WEB_URL" },
    metricsHost: { env: "COPR_WORKER_METRICS_HOST", help: "address of the worker's /metrics endpoint, default 127.0.0.1" },
    metricsPort: { env: "COPR_WORKER_METRICS_PORT", help: "port of the worker's /metrics endpoint, 0 = off, default 9465 (one per worker on a host)" },
    dispatchers: { env: "COPR_WORKER_DISPATCHERS", help: "comma-separated broker users that may start and cancel builds, default headhunter" },
  }, env);
  if (config.busUser !== undefined && config.busUser !== config.name) {
    throw new ConfigError("copr-worker", [
      `COPR_BUS_USER: must be the worker's name ${config.name}: each worker has its own broker user, named like it, that \`copr worker add NAME\` created (leave COPR_BUS_USER unset)`,
    ]);
  }
  if (config.signKeysDir !== undefined && config.resultsDir === undefined) {
    throw new ConfigError("copr-worker", [
      "COPR_WORKER_SIGN_KEYS_DIR: a signer signs packages where they are published: set COPR_WORKER_RESULTS_DIR to copr-web's results directory too",
    ]);
  }
  return Object.freeze({ ...config, busUser: config.name, signKeyDomain: config.signKeyDomain ?? new URL(config.webUrl).hostname });
}
