import { z } from "zod";
import { busEnvSchema, busEnvSettings, loadEnvConfig } from "@copr/config";

const schema = busEnvSchema.extend({
  busUser: z.string().default("headhunter"),
  /** Timeout of the check call made to each agent that appears, ms. */
  agentCheckTimeoutMs: z.coerce.number().int().min(100).max(120_000).default(5000),
  /** Heartbeat intervals without news before an agent is lost. */
  missedIntervals: z.coerce.number().int().min(2).max(100).default(3),
});

export type HeadhunterConfig = Readonly<z.output<typeof schema>>;

/** Reads Headhunter's settings from the environment once. */
export function loadHeadhunterConfig(env: Readonly<Record<string, string | undefined>> = process.env): HeadhunterConfig {
  return loadEnvConfig("headhunter", schema, {
    ...busEnvSettings,
    busUser: { env: "COPR_BUS_USER", help: "broker user, default headhunter" },
    agentCheckTimeoutMs: { env: "COPR_HEADHUNTER_AGENT_CHECK_TIMEOUT_MS", help: "timeout of the check call to a new agent, ms, default 5000" },
    missedIntervals: { env: "COPR_HEADHUNTER_MISSED_INTERVALS", help: "missed heartbeat intervals before an agent is lost, default 3" },
  }, env);
}
