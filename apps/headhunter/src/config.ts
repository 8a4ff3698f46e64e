import { z } from "zod";
import { busEnvSchema, busEnvSettings, loadEnvConfig, redisEnvSchema, redisEnvSettings } from "@copr/config";

const schema = busEnvSchema.extend(redisEnvSchema.shape).extend({
  busUser: z.string().default("headhunter"),
  /** copr-web's URL as workers reach it. */
  webUrl: z.url().default("http://127.0.0.1:8080"),
  /** Timeout of the token check and build handover calls to agents, ms. */
  callTimeoutMs: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Heartbeat intervals without news before an agent is lost. */
  missedIntervals: z.coerce.number().int().min(2).max(100).default(3),
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
  }, env);
}
