import { Agent, BusConnection, BusError, Signals, type BusConfig, type BusLogger } from "@copr/bus";
import { startMetricsServer } from "@copr/metrics";
import { WorkerMetrics } from "./metrics/workerMetrics.ts";
import { nextEpoch } from "./agent/epoch.ts";
import { registerMethods } from "./agent/methods.ts";
import { RepoMethods } from "./agent/repoMethods.ts";
import { SignMethods } from "./agent/signMethods.ts";
import type { BuilderHost } from "./build/builderConnection.ts";
import { BuildRunner, type Connect } from "./build/buildRunner.ts";
import { probeHosts } from "./build/probeHosts.ts";
import { StaticProvisioner, type Provisioner } from "./build/provisioner.ts";

export interface WorkerOptions {
  bus: BusConfig;
  name: string;
  token: string;
  /** copr-web's URL: build calls must point there, and the token goes nowhere else. */
  webUrl: string;
  stateDir: string;
  heartbeatMs: number;
  /** Broker users allowed to call build, cancel and createrepo. Default ["headhunter"]. */
  dispatchers?: readonly string[];
  /** builder hosts of the builders file (`hosts`) */
  hosts: BuilderHost[];
  /** builders made on demand (`provisioners` of the builders file) */
  provisioners?: Provisioner[];
  connect: Connect;
  /** copr-web's results root, when this worker also regenerates repositories */
  resultsDir?: string | undefined;
  /** With resultsDir: this worker is also a signer, holding the projects' keys in `keysDir`. */
  signer?: { keysDir: string; keyDomain: string; slots: number };
  log: BusLogger;
  /** Serve Prometheus metrics at http://HOST:PORT/metrics (port 0: any free one); absent: not served. */
  metrics?: { host: string; port: number };
}

export interface Worker {
  agent: Agent;
  runner: BuildRunner;
  /** The /metrics URL, when served. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

/** Starts a worker agent: heartbeats with its arches and slots, serves build/cancel/status/hello (and createrepo, and sign when it is a signer). */
export async function startWorker(o: WorkerOptions): Promise<Worker> {
  // Before anything is announced: a host that cannot sandbox builds is refused.
  await probeHosts(o.hosts, o.connect, o.log);
  const bus = await BusConnection.open({ ...o.bus, containerId: o.bus.containerId ?? o.name }, { logger: o.log });
  const provisioners: Provisioner[] = [new StaticProvisioner(o.hosts), ...(o.provisioners ?? [])];
  // (The slots are read when scraped, by then the runner exists.)
  const metrics: WorkerMetrics = new WorkerMetrics(() => runner.slots);
  const runner = new BuildRunner({
    provisioners, connect: o.connect, signals: new Signals(bus), agentName: o.name, token: o.token, webUrl: o.webUrl, log: o.log,
    onEnded: (arch, state, seconds) => metrics.buildEnded(arch, state, seconds),
  });
  const onReconnected = (): void => metrics.reconnected();
  bus.on("reconnected", onReconnected);
  const repo = o.resultsDir === undefined ? undefined : new RepoMethods(o.resultsDir);
  if (o.signer !== undefined && o.resultsDir === undefined) throw new Error("a signer needs resultsDir: it signs packages where they are published");
  const signer = o.signer === undefined || o.resultsDir === undefined ? undefined : new SignMethods({ resultsDir: o.resultsDir, ...o.signer });
  const epoch = await nextEpoch(o.stateDir);
  let agent: Agent;
  try {
    agent = await Agent.start(bus, {
      name: o.name,
      epoch,
      heartbeatIntervalMs: o.heartbeatMs,
      capabilities: {
        arches: runner.arches, createrepo: repo !== undefined, sign: signer !== undefined, ...(signer === undefined ? {} : { sign_slots: signer.slots.total }),
        hosts: [...o.hosts.map((h) => h.name), ...(o.provisioners ?? []).map((p) => p.name)],
      },
      slots: () => runner.slots,
    });
  } catch (error) {
    await bus.close();
    if (error instanceof BusError && (error.code === "NOT_FOUND" || error.code === "UNAUTHORIZED")) {
      throw new BusError(error.code, `the broker has no request queue for ${o.name} that broker user ${o.bus.username} may read: ` +
        `register the worker with \`copr worker add ${o.name}\` and run it with the broker user and password that command printed (${error.message})`, { cause: error });
    }
    throw error;
  }
  registerMethods(agent, { token: o.token, dispatchers: o.dispatchers ?? ["headhunter"], startedAt: Date.now(), runner, repo, signer });
  const metricsServer = o.metrics === undefined ? undefined : await startMetricsServer(metrics.registry, o.metrics.host, o.metrics.port);
  o.log.info({ agent: o.name, epoch, arches: runner.arches, slots: runner.slots.total, createrepo: repo !== undefined, sign: signer !== undefined }, "worker agent ready");
  let closing: Promise<void> | undefined;
  return {
    agent,
    runner,
    metricsUrl: metricsServer?.url,
    close() {
      closing ??= (async () => {
        bus.off("reconnected", onReconnected);
        await metricsServer?.close();
        await runner.close();
        await Promise.all(provisioners.map((p) => p.close()));
        agent.close();
        await repo?.close();
        await signer?.close();
        await bus.close();
      })();
      return closing;
    },
  };
}
