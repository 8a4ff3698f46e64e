import { hostname } from "node:os";
import { z } from "zod";
import { busEnvSchema, busEnvSettings, loadEnvConfig } from "@copr/config";

const defaultName = `fedoraproject:copr-worker:${hostname().replace(/[^A-Za-z0-9_-]/g, "-")}`;

const schema = busEnvSchema.extend({
  busUser: z.string().default("worker"),
  /** Agent name vendor:product:instance. */
  name: z.string().regex(/^[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/, "must be vendor:product:instance (letters, digits, _ and -)").default(defaultName),
  /** Token from `copr worker add NAME`; proves this worker to Headhunter and copr-web. */
  token: z.string({ error: "is required" }).regex(/^copr_w_/, "must be a worker token from `copr worker add NAME` (starts with copr_w_)"),
  /** Where the worker keeps its boot count. */
  stateDir: z.string().default("/var/lib/copr-worker"),
  /** Heartbeat interval, ms. */
  heartbeatMs: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** Architectures this worker's builder hosts build for. */
  arches: z.string().default("x86_64").transform((s) => s.split(",").map((a) => a.trim()).filter((a) => a !== "")),
  /** Builds run at the same time. */
  slots: z.coerce.number().int().min(1).max(1000).default(2),
});

export type WorkerConfig = Readonly<z.output<typeof schema>>;

/** Reads the worker's settings from the environment once. */
export function loadWorkerConfig(env: Readonly<Record<string, string | undefined>> = process.env): WorkerConfig {
  return loadEnvConfig("copr-worker", schema, {
    ...busEnvSettings,
    busUser: { env: "COPR_BUS_USER", help: "broker user, default worker" },
    name: { env: "COPR_WORKER_NAME", help: `agent name, default ${defaultName}` },
    token: { env: "COPR_WORKER_TOKEN", help: "the token `copr worker add NAME` printed" },
    stateDir: { env: "COPR_WORKER_STATE_DIR", help: "state directory, default /var/lib/copr-worker" },
    heartbeatMs: { env: "COPR_WORKER_HEARTBEAT_MS", help: "heartbeat interval in ms, default 5000" },
    arches: { env: "COPR_WORKER_ARCHES", help: "comma-separated architectures, default x86_64" },
    slots: { env: "COPR_WORKER_SLOTS", help: "concurrent builds, default 2" },
  }, env);
}
