import { inject } from "vitest";
import { Redis } from "ioredis";
import { z } from "zod";
import { Agent, AgentMethodError, BusConnection, HEARTBEAT_TOPIC, OPCODES, Signals, jsonMessage, parseBusConfig, silentLogger, workerBuildDomain, type AgentCredentials } from "@copr/bus";
import { WORKER_METHODS, buildArgsSchema, cancelArgsSchema, helloArgsSchema, logProofText, proofFromHash, statusProofText, tokenKey, workerProof, type BuildArgs } from "@copr/domain";
import { ControlQueue } from "@copr/queue";
import { Store } from "@copr/store";
import { busNamespace, redisNamespace, until, type BrokerUser, type BusNamespace, type SharedServices } from "@copr/testkit";
import { startHeadhunter, type Headhunter } from "../src/headhunter.ts";
import { DEFAULT_POLICY, type SchedulingPolicy } from "../src/scheduling/policy.ts";

const srpm = { name: "hello", epoch: null, version: "1.0", release: "1", sha256: "ab".repeat(32), size: 1, file: "x.src.rpm" };

/** Bus settings for a component's `user`, or for an agent with its own broker user (BusNamespace.agent). */
export function busConfig(ns: BusNamespace, user: BrokerUser | AgentCredentials) {
  const { username, password } = typeof user === "string" ? ns.credentials(user) : user;
  return parseBusConfig({
    port: ns.amqpPort, vhost: ns.vhost, username, password,
    managementUrl: `http://127.0.0.1:${ns.managementPort}`, reconnectMaxDelayMs: 500,
  });
}

/** A bus agent that behaves like a worker; the test decides when its builds end. */
export class FakeWorker {
  readonly builds: BuildArgs[] = [];
  /** `build` calls received (answered or not yet). */
  calls = 0;
  readonly canceled: string[] = [];
  /** Tasks given to this worker and not yet reported final, and the most there were at once. */
  readonly running = new Set<string>();
  /** Attempts (`task@attempt`) this worker reported final. */
  readonly ended = new Set<string>();
  maxRunning = 0;
  agent!: Agent;
  bus!: BusConnection;
  #signals!: Signals;
  #seq = 0;
  #token = "";

  /** createrepo calls received; with `holdCreaterepo` they are never answered. */
  createrepoCalls = 0;
  /** sign calls received (task build dirs), and sign-key calls (owner/project). */
  readonly signCalls: string[] = [];
  readonly keyCalls: string[] = [];

  static async start(ns: BusNamespace, name: string, opts: {
    token: string; arches: string[]; slots: number; heartbeatMs?: number; epoch?: number; holdCreaterepo?: boolean;
    /** Offers sign and createrepo, answering at once (as a results host with a signer would); default true. */
    publishes?: boolean;
    /** sign calls are taken and never answered (a signer that hangs or dies mid-call). */
    holdSign?: boolean;
    /** sign calls fail with this error code. */
    signError?: string;
    /** Each build reports `succeeded` this long after it was accepted (the report waits out a broker outage). */
    autoFinishMs?: number;
    /** The `build` call is answered this long after it arrived. */
    replyDelayMs?: number;
  }): Promise<FakeWorker> {
    const w = new FakeWorker();
    const publishes = opts.publishes ?? true;
    w.#token = opts.token;
    w.bus = await BusConnection.open(busConfig(ns, await ns.agent(name)), { logger: silentLogger });
    w.#signals = new Signals(w.bus);
    w.agent = await Agent.start(w.bus, {
      name, epoch: opts.epoch ?? 1, heartbeatIntervalMs: opts.heartbeatMs ?? 1000,
      capabilities: { arches: opts.arches, createrepo: publishes, sign: publishes }, slots: () => ({ total: opts.slots, used: 0 }),
    });
    if (publishes) {
      w.agent.method("createrepo", {
        description: "answers at once; with holdCreaterepo takes the call and never answers", args: z.object({ owner: z.string(), project: z.string(), chroot: z.string() }),
        handler: (a) => {
          w.createrepoCalls++;
          if (opts.holdCreaterepo === true) return new Promise<never>(() => undefined);
          return { dir: `${a.owner}/${a.project}/${a.chroot}`, packages: 1, incremental: true, duration_ms: 1 };
        },
      });
      w.agent.method("sign", {
        description: "answers at once", args: z.object({ build_dir: z.string() }).passthrough(),
        handler: (a) => {
          w.signCalls.push(a.build_dir);
          if (opts.holdSign === true) return new Promise<never>(() => undefined);
          if (opts.signError !== undefined) throw new AgentMethodError(opts.signError, `${a.build_dir} holds no package`);
          return { fingerprint: "F".repeat(40), packages: 2, bytes_added: 100, duration_ms: 1 };
        },
      });
      w.agent.method("sign-key", {
        description: "answers at once", args: z.object({ owner: z.string(), project: z.string() }),
        handler: (a) => {
          w.keyCalls.push(`${a.owner}/${a.project}`);
          return { fingerprint: "F".repeat(40) };
        },
      });
    }
    w.agent.method(WORKER_METHODS.hello, { description: "token proof", args: helloArgsSchema, handler: ({ nonce }) => ({ proof: workerProof(opts.token, nonce) }) });
    w.agent.method(WORKER_METHODS.build, {
      description: "records the build", args: buildArgsSchema,
      handler: async (args) => {
        w.calls++;
        if (opts.replyDelayMs !== undefined) await new Promise((r) => setTimeout(r, opts.replyDelayMs));
        const repeated = w.running.has(args.task_id);
        w.builds.push(args);
        w.running.add(args.task_id);
        w.maxRunning = Math.max(w.maxRunning, w.running.size);
        if (opts.autoFinishMs !== undefined && !repeated) {
          setTimeout(() => void w.report(args.task_id, args.attempt, "succeeded").catch(() => undefined), opts.autoFinishMs);
        }
        return { accepted: true as const, host: "fake-host", already_running: false };
      },
    });
    w.agent.method(WORKER_METHODS.status, {
      description: "the attempts this worker runs, and the ones it reported ended", args: z.object({}),
      handler: () => ({
        tasks: w.builds.filter((b) => w.running.has(b.task_id)).map((b) => ({ task_id: b.task_id, attempt: b.attempt })),
        ended: w.builds.filter((b) => w.ended.has(`${b.task_id}@${b.attempt}`)).map((b) => ({ task_id: b.task_id, attempt: b.attempt, state: "succeeded" })),
      }),
    });
    w.agent.method(WORKER_METHODS.cancel, {
      description: "records the cancel", args: cancelArgsSchema,
      handler: async (args) => {
        w.canceled.push(args.task_id);
        await w.report(args.task_id, args.attempt, "canceled");
        return { canceled: true };
      },
    });
    return w;
  }

  /** Reports a state, signed with this worker's token, or as `as` another agent (a forgery: it only has its own token). */
  async report(taskId: string, attempt: number, state: "running" | "succeeded" | "failed" | "canceled", reason?: string, as?: string): Promise<void> {
    const report = { task_id: taskId, attempt, agent: as ?? this.agent.name, state, seq: this.#seq++, ...(reason === undefined ? {} : { reason }) };
    if (state !== "running" && as === undefined) {
      this.running.delete(taskId);
      this.ended.add(`${taskId}@${attempt}`);
    }
    await this.#signals.publish(workerBuildDomain, "status", { primary_uid: taskId, ...report, proof: proofFromHash(tokenKey(this.#token), statusProofText(report)) });
  }

  async log(taskId: string, attempt: number, lines: string[], as?: string, offset = 0): Promise<void> {
    const batch = { task_id: taskId, attempt, agent: as ?? this.agent.name, offset, lines };
    await this.#signals.publish(workerBuildDomain, "log", { primary_uid: taskId, ...batch, proof: proofFromHash(tokenKey(this.#token), logProofText(batch)) });
  }

  /**
   * Heartbeats on this worker's own key (the only one its broker user may
   * use) but names agent `as`, with `epoch`: a forged "that worker restarted".
   */
  async forgeHeartbeat(as: string, epoch: number): Promise<void> {
    const rk = `${HEARTBEAT_TOPIC}.${this.agent.name.split(":").join(".")}`;
    const body = { _values: { _timestamp: Date.now(), _heartbeat_interval: 1000, _epoch: epoch, capabilities: { arches: ["x86_64"] }, slots: { total: 9, used: 0 } } };
    await this.bus.sender(this.bus.profile.signalTarget(rk)).send(jsonMessage(body, {
      user_id: this.bus.userId,
      application_properties: { "x-amqp-0-10.app-id": "qmf2", "qmf.opcode": OPCODES.heartbeat, "qmf.agent": as },
    }));
  }

  /** Stops heartbeating and answering, as a killed process would. */
  async kill(): Promise<void> {
    this.agent.close();
    await this.bus.close();
  }
}

export async function headhunterFixture(options: {
  callTimeoutMs?: number; policy?: Partial<SchedulingPolicy>; beforeStart?: (store: Store) => Promise<void>;
  /** Lease time to live of the Headhunters, ms (default Headhunter's). */
  leaseTtlMs?: number;
  /** A broker of the test's own (to kill) instead of the shared one. */
  broker?: Pick<SharedServices, "amqpPort" | "managementPort" | "passwords">;
} = {}) {
  const services = { ...inject("services"), ...options.broker };
  const ns = await busNamespace(services);
  const rns = await redisNamespace(inject("services"));
  const store = new Store({ url: rns.urls.headhunter, prefix: rns.keyPrefix });
  const queueRedis = new Redis(rns.urls.headhunter, { maxRetriesPerRequest: null });
  const queues = new ControlQueue({ connection: queueRedis, prefix: store.keys.bullPrefix() });
  const dispatched: { task: string; agent: string; ms: number }[] = [];
  await options.beforeStart?.(store);
  const start = (instanceId?: string, metricsPort?: number): Promise<Headhunter> => startHeadhunter({
    bus: busConfig(ns, "headhunter"), redisUrl: rns.urls.headhunter, redisPrefix: rns.keyPrefix, webUrl: "http://127.0.0.1:9",
    log: silentLogger, callTimeoutMs: options.callTimeoutMs ?? 3000, missedIntervals: 3,
    policy: { ...DEFAULT_POLICY, ...options.policy },
    onDispatched: (task, agent, ms) => dispatched.push({ task: task.id, agent, ms }),
    ...(instanceId === undefined ? {} : { instanceId }),
    ...(metricsPort === undefined ? {} : { metrics: { host: "127.0.0.1", port: metricsPort } }),
    ...(options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs }),
  });
  let hh = await start("hh-1");
  const standbys: Promise<Headhunter>[] = [];
  const workers: FakeWorker[] = [];
  return {
    ns, store, queues, dispatched,
    /** The running Headhunter (a new one after restart()). */
    get hh(): Headhunter {
      return hh;
    },
    /** Stops Headhunter and starts another on the same Redis and vhost. */
    async restart(): Promise<Headhunter> {
      await hh.close();
      hh = await start();
      return hh;
    },
    /**
     * Starts another Headhunter, which stands by while one is active (serving
     * /metrics on `metricsPort` meanwhile, if given); resolves once it is
     * active (then it is `hh`).
     */
    standby(instanceId: string, opts: { metricsPort?: number } = {}): Promise<Headhunter> {
      const p = start(instanceId, opts.metricsPort).then((h) => (hh = h));
      standbys.push(p);
      return p;
    },
    /** The active Headhunter dies as a kill -9 would leave it: its lease is not given up, it just stops renewing and acting. */
    async crash(): Promise<Headhunter> {
      const dead = hh;
      dead.lease.abandon();
      await dead.close();
      return dead;
    },
    /** Waits until `w` got `taskId`, reports it ended `state`, and waits until Headhunter has it so. */
    async finishAs(w: FakeWorker, taskId: string, state: "succeeded" | "failed" | "canceled"): Promise<void> {
      await until(() => w.builds.some((b) => b.task_id === taskId), 20_000, `build call for ${taskId}`);
      const attempt = w.builds.findLast((b) => b.task_id === taskId)?.attempt ?? 0;
      await w.report(taskId, attempt, state);
      await until(async () => (await store.builds.getTask(taskId))?.state === state, 10_000, `${taskId} ${state}`);
    },
    async worker(name: string, opts: {
      arches?: string[]; slots?: number; register?: boolean; heartbeatMs?: number; holdCreaterepo?: boolean; publishes?: boolean; holdSign?: boolean; signError?: string;
      autoFinishMs?: number; replyDelayMs?: number;
    } = {}) {
      const token = opts.register === false ? "copr_w_not-registered-token-0000000000" : (await store.workers.addWorker(name)).token;
      const w = await FakeWorker.start(ns, name, {
        token, arches: opts.arches ?? ["x86_64"], slots: opts.slots ?? 2, heartbeatMs: opts.heartbeatMs, holdCreaterepo: opts.holdCreaterepo,
        ...(opts.publishes === undefined ? {} : { publishes: opts.publishes }),
        ...(opts.holdSign === undefined ? {} : { holdSign: opts.holdSign }),
        ...(opts.signError === undefined ? {} : { signError: opts.signError }),
        ...(opts.autoFinishMs === undefined ? {} : { autoFinishMs: opts.autoFinishMs }),
        ...(opts.replyDelayMs === undefined ? {} : { replyDelayMs: opts.replyDelayMs }),
      });
      workers.push(w);
      return w;
    },
    /** A build of `chroots`, stored and queued as copr-web does (by alice in alice/hello unless told). */
    async submit(chroots: string[], opts: { owner?: string; project?: string; background?: boolean; afterBuildId?: number; withBuildId?: number } = {}) {
      const owner = opts.owner ?? "alice";
      const batch = await store.batches.plan(owner, { afterBuildId: opts.afterBuildId, withBuildId: opts.withBuildId });
      return await store.builds.createBuild({
        owner, project: opts.project ?? "hello", submittedBy: owner, srpm, chroots: chroots.map((chroot) => ({ chroot })),
        ...(opts.background === undefined ? {} : { background: opts.background }),
        ...(batch === undefined ? {} : { batch }),
      });
    },
    /** Submits one fedora-40-x86_64 task, waits until `w` got it and Headhunter has it running there; returns its id. */
    async runOn(w: FakeWorker): Promise<string> {
      const { tasks } = await this.submit(["fedora-40-x86_64"]);
      const id = tasks[0]?.id ?? "";
      await until(() => w.builds.some((b) => b.task_id === id), 20_000, "build call");
      await w.report(id, 0, "running");
      await until(async () => (await store.builds.getTask(id))?.state === "running", 10_000, "running");
      return id;
    },
    async [Symbol.asyncDispose]() {
      for (const w of workers) await w.kill().catch(() => undefined);
      await hh.close();
      // A standby still waiting would wait forever: give it the lease and stop it too.
      await Promise.all(standbys.map(async (p) => {
        await store.leadership.release((await store.leadership.active())?.id ?? "");
        await (await p).close();
      }));
      await queues.close();
      queueRedis.disconnect();
      await store.close();
      await rns[Symbol.asyncDispose]();
      await ns[Symbol.asyncDispose]();
    },
  };
}

export const taskIdSchema = z.string();
