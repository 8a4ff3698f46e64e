// Headhunter: the allocator. Wiring only.
import { defaultLogger, parseBusConfig } from "@copr/bus";
import { busConfigInput } from "@copr/config";
import { runService } from "@copr/service";
import { loadHeadhunterConfig, policyOf } from "./config.ts";
import { startHeadhunter } from "./headhunter.ts";

const log = defaultLogger("headhunter");

runService("headhunter", log, async () => {
  const config = loadHeadhunterConfig();
  const hh = await startHeadhunter({
    bus: parseBusConfig(busConfigInput(config)),
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    webUrl: config.webUrl,
    log,
    callTimeoutMs: config.callTimeoutMs,
    missedIntervals: config.missedIntervals,
    policy: policyOf(config),
    liveGraceS: config.liveGraceS,
    ...(config.metricsPort === 0 ? {} : { metrics: { host: config.metricsHost, port: config.metricsPort } }),
  });
  log.info({ agents: hh.console.agents.list().map((a) => a.name) }, "headhunter ready");
  return hh;
});
