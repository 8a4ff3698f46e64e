import { z } from "zod";
import { busEnvSchema, busEnvSettings, loadEnvConfig, redisEnvSchema, redisEnvSettings } from "@copr/config";
import type { SchedulingPolicy } from "./scheduling/policy.ts";
import { DEFAULT_POLICY } from "./scheduling/policy.ts";

/** "aarch64=20,ppc64le=10" → { aarch64: 20, ppc64le: 10 } */
const archLimits = z.string().transform((text, ctx) => {
  const out: Record<string, number> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const m = /^([A-Za-z0-9_]+)=(\d+)$/.exec(part);
    if (m === null || m[1] === undefined || m[2] === undefined || Number(m[2]) < 1) {
      ctx.addIssue({ code: "custom", message: `"${part}" is not ARCH=N with N ≥ 1` });
      return z.NEVER;
    }
    out[m[1]] = Number(m[2]);
  }
  return out;
});

const schema = busEnvSchema.extend(redisEnvSchema.shape).extend({
  busUser: z.string().default("headhunter"),
  /** copr-web's URL as workers reach it. */
  webUrl: z.url().default("http://127.0.0.1:8080"),
  /** Timeout of the token check and build handover calls to agents, ms. */
  callTimeoutMs: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Heartbeat intervals without news before an agent is lost. */
  missedIntervals: z.coerce.number().int().min(2).max(100).default(3),
  /** Fair share: half-life of remembered builder usage, seconds. */
  halfLifeS: z.coerce.number().min(1).max(365 * 86_400).default(DEFAULT_POLICY.halfLifeMs / 1000),
  /** Fair share: builder-seconds a running task counts until its real time is known. */
  startChargeS: z.coerce.number().min(0).max(86_400).default(DEFAULT_POLICY.startChargeS),
  ownerLimit: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_POLICY.ownerLimit),
  projectLimit: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_POLICY.projectLimit),
  ownerArchLimits: archLimits.default({}),
  /** Prometheus metrics at http://METRICS_HOST:METRICS_PORT/metrics; port 0 turns them off. */
  metricsHost: z.string().default("127.0.0.1"),
  metricsPort: z.coerce.number().int().min(0).max(65535).default(9464),
  /** How long an ended task's live log and an ended build's event stream stay in Redis, seconds. */
  liveGraceS: z.coerce.number().int().min(1).max(90 * 86_400).default(86_400),
  /** Lease time to live, ms: a standby Headhunter takes over this long after the active one stopped renewing. */
  leaseMs: z.coerce.number().int().min(500).max(600_000).default(5000),
  /** This instance's id in the lease; default host:pid:random. */
  instanceId: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, "letters, digits, . _ : - only").optional(),
});

export type HeadhunterConfig = Readonly<z.output<typeof schema>>;

/** Reads Headhunter's settings from the environment once. */
export function loadHeadhunterConfig(env: Readonly<Record<string, string | undefined>> = process.env): HeadhunterConfig {
  return loadEnvConfig("headhunter", schema, {
    ...busEnvSettings,
    busUser: { env: "COPR_BUS_USER", help: "broker user, default headhunter" },
    ...redisEnvSettings,
    webUrl: { env: "COPR_WEB_URL", help: "copr-web URL as workers reach it, default http://127.0.0.1:8080" },
    callTimeoutMs: { env: "COPR_HEADHUNTER_CALL_TIMEOUT_MS", help: "timeout of check and handover calls, ms, default 10000" },
    missedIntervals: { env: "COPR_HEADHUNTER_MISSED_INTERVALS", help: "missed heartbeat intervals before an agent is lost, default 3" },
    halfLifeS: { env: "COPR_SCHED_HALF_LIFE_S", help: "half-life of remembered builder usage, seconds, default 3600" },
    startChargeS: { env: "COPR_SCHED_START_CHARGE_S", help: "builder-seconds a running task counts until it ends, default 60" },
    ownerLimit: { env: "COPR_SCHED_OWNER_LIMIT", help: "running tasks per owner, default 90" },
    projectLimit: { env: "COPR_SCHED_PROJECT_LIMIT", help: "running tasks per project, default 35" },
    ownerArchLimits: { env: "COPR_SCHED_OWNER_ARCH_LIMITS", help: "running tasks per owner on an arch, as ARCH=N,…, default none" },
    metricsHost: { env: "COPR_HEADHUNTER_METRICS_HOST", help: "address of Headhunter's /metrics endpoint, default 127.0.0.1" },
    metricsPort: { env: "COPR_HEADHUNTER_METRICS_PORT", help: "port of Headhunter's /metrics endpoint, 0 = off, default 9464" },
    leaseMs: { env: "COPR_HEADHUNTER_LEASE_MS", help: "lease time to live in ms: with several Headhunters, a standby takes over this long after the active one died, default 5000" },
    instanceId: { env: "COPR_HEADHUNTER_ID", help: "this Headhunter's id in the lease, default host:pid:random" },
    liveGraceS: { env: "COPR_LIVE_LOG_GRACE_S", help: "seconds an ended task's live log stays in Redis (then builder-live.log.gz only), default 86400" },
  }, env);
}

/** The scheduling policy these settings give. */
export function policyOf(config: HeadhunterConfig): SchedulingPolicy {
  return {
    halfLifeMs: config.halfLifeS * 1000,
    startChargeS: config.startChargeS,
    ownerLimit: config.ownerLimit,
    projectLimit: config.projectLimit,
    ownerArchLimits: config.ownerArchLimits,
  };
}
