// copr-worker: a bus agent on a worker host. Wiring only.
import { defaultLogger, parseBusConfig } from "@copr/bus";
import { busConfigInput } from "@copr/config";
import { runService } from "@copr/service";
import { loadWorkerConfig } from "./config.ts";
import { loadBuilders } from "./build/buildersFile.ts";
import { CommandProvisioner } from "./build/commandProvisioner.ts";
import { connectBuilder } from "./builder/connectBuilder.ts";
import { startWorker } from "./worker.ts";

const log = defaultLogger("copr-worker");

runService("copr-worker", log, async () => {
  const config = loadWorkerConfig();
  const builders = config.buildersFile === undefined ? { hosts: [], provisioners: [] } : await loadBuilders(config.buildersFile);
  return await startWorker({
    bus: parseBusConfig(busConfigInput(config)),
    name: config.name,
    token: config.token,
    webUrl: config.webUrl,
    stateDir: config.stateDir,
    heartbeatMs: config.heartbeatMs,
    hosts: builders.hosts,
    provisioners: builders.provisioners.map((p) => new CommandProvisioner(p, log)),
    connect: connectBuilder,
    resultsDir: config.resultsDir,
    ...(config.signKeysDir === undefined ? {} : { signer: { keysDir: config.signKeysDir, keyDomain: config.signKeyDomain, slots: config.signSlots } }),
    ...(config.metricsPort === 0 ? {} : { metrics: { host: config.metricsHost, port: config.metricsPort } }),
    log,
  });
});
