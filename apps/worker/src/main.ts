// copr-worker: a bus agent on a worker host. Wiring only.
import { Agent, BusConnection, defaultLogger, parseBusConfig } from "@copr/bus";
import { busConfigInput } from "@copr/config";
import { runService } from "@copr/service";
import { loadWorkerConfig } from "./config.ts";
import { nextEpoch } from "./agent/epoch.ts";
import { registerBaseMethods } from "./agent/methods.ts";

const log = defaultLogger("copr-worker");

runService("copr-worker", log, async () => {
  const config = loadWorkerConfig();
  const bus = await BusConnection.open(parseBusConfig({ ...busConfigInput(config), containerId: config.name }), { logger: log });
  const epoch = await nextEpoch(config.stateDir);
  const agent = await Agent.start(bus, {
    name: config.name,
    epoch,
    heartbeatIntervalMs: config.heartbeatMs,
    capabilities: { arches: config.arches },
    slots: () => ({ total: config.slots, used: 0 }),
  });
  registerBaseMethods(agent, { token: config.token, startedAt: Date.now(), arches: config.arches, slots: config.slots });
  log.info({ agent: agent.name, epoch, arches: config.arches, slots: config.slots }, "worker agent ready");
  return {
    async close() {
      agent.close();
      await bus.close();
    },
  };
});
