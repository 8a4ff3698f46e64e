// Headhunter: the allocator. Wiring only.
import { defaultLogger, parseBusConfig } from "@copr/bus";
import { busConfigInput, redisTarget } from "@copr/config";
import { runService } from "@copr/service";
import { loadHeadhunterConfig, policyOf } from "./config.ts";
import { startHeadhunter } from "./headhunter.ts";

const log = defaultLogger("headhunter");

runService("headhunter", log, async () => {
  const config = loadHeadhunterConfig();
  const hh = await startHeadhunter({
    bus: parseBusConfig(busConfigInput(config)),
    redisUrl: config.redisUrl,
    redisSentinel: redisTarget(config).sentinel,
    redisPrefix: config.redisPrefix,
    webUrl: config.webUrl,
    log,
    callTimeoutMs: config.callTimeoutMs,
    missedIntervals: config.missedIntervals,
    policy: policyOf(config),
    liveGraceS: config.liveGraceS,
    leaseTtlMs: config.leaseMs,
    ...(config.instanceId === undefined ? {} : { instanceId: config.instanceId }),
    ...(config.metricsPort === 0 ? {} : { metrics: { host: config.metricsHost, port: config.metricsPort } }),
  });
  log.info({ agents: hh.console.agents.list().map((a) => a.name), epoch: hh.lease.epoch }, "headhunter ready");
  // Another Headhunter took over: this one has closed itself; exit, and the supervisor starts it again as a standby.
  hh.lease.once("lost", () => void hh.close().then(() => process.exit(1)));
  return hh;
});
