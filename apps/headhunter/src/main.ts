// Headhunter: the allocator. Wiring only.
import { BusConnection, Console, defaultLogger, parseBusConfig } from "@copr/bus";
import { busConfigInput } from "@copr/config";
import { runService } from "@copr/service";
import { loadHeadhunterConfig } from "./config.ts";
import { AgentWatch } from "./agents/agentWatch.ts";

const log = defaultLogger("headhunter");

runService("headhunter", log, async () => {
  const config = loadHeadhunterConfig();
  const bus = await BusConnection.open(parseBusConfig(busConfigInput(config)), { logger: log });
  const console = await Console.open(bus, { missedIntervals: config.missedIntervals });
  new AgentWatch(console, log, config.agentCheckTimeoutMs);
  const found = await console.locate(1000);
  log.info({ agents: found }, "headhunter ready");
  return {
    async close() {
      console.close();
      await bus.close();
    },
  };
});
