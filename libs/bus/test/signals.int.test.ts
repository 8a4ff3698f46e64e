import { describe, expect, it } from "vitest";
import rhea from "rhea";
import type { z } from "zod";
import { BusConnection, BusError, Signals, dataSection, jsonMessage, parseBusConfig, silentLogger, workerBuildDomain, headhunterDomain, type SignalMeta } from "@copr/bus";
import { namespace, openBus, until } from "./fixtures.ts";

type Status = z.input<typeof workerBuildDomain.signals.status>;

const status = (seq: number, extra: Partial<Status> = {}) => ({
  primary_uid: `task-1`,
  task_id: "task-1",
  attempt: 0,
  agent: "fedoraproject:copr-worker:w1",
  state: "running" as const,
  seq,
  ...extra,
});

describe("signals", () => {
  it("delivers published signals with headers, and filters on application properties", async () => {
    await using ns = await namespace();
    await using worker = await openBus(ns, await ns.agent("fedoraproject:copr-worker:w1"));
    await using hh = await openBus(ns, "headhunter");
    const all: number[] = [];
    const onlyT2: number[] = [];
    const metas: SignalMeta[] = [];
    const s1 = new Signals(hh).subscribe(workerBuildDomain, {
      status: (p, meta) => {
        all.push(p.seq);
        metas.push(meta);
      },
    });
    const s2 = new Signals(hh).subscribe(workerBuildDomain, { status: (p) => void onlyT2.push(p.seq) }, { filter: { task_id: "task-2" } });
    await Promise.all([s1.ready, s2.ready]);
    const pub = new Signals(worker);
    await pub.publish(workerBuildDomain, "status", status(1));
    await pub.publish(workerBuildDomain, "status", status(2, { task_id: "task-2", primary_uid: "task-2" }));
    await until(() => all.length === 2 && onlyT2.length === 1, 10_000, "signals");
    expect(all).toEqual([1, 2]);
    expect(onlyT2).toEqual([2]);
    expect(metas[0]?.routingKey).toBe("org.fedoraproject.copr.worker.build.status");
    expect(metas[0]?.headers).toMatchObject({ task_id: "task-1", agent: "fedoraproject:copr-worker:w1" });
    expect(metas[0]?.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(metas[0]?.sentAt).toBeInstanceOf(Date);
    s1.close();
    s2.close();
  });

  it("handles signals of different uids side by side and those of one uid in order", async () => {
    await using ns = await namespace();
    await using worker = await openBus(ns, await ns.agent("fedoraproject:copr-worker:w1"));
    await using hh = await openBus(ns, "headhunter");
    const handled: string[] = [];
    let releaseFirst = (): void => undefined;
    const firstHeld = new Promise<void>((r) => (releaseFirst = r));
    const s = new Signals(hh).subscribe(workerBuildDomain, {
      status: async (p) => {
        // task-1's first report is held until task-2's has been handled: task-1's second must wait for it.
        if (p.task_id === "task-1" && p.seq === 1) await firstHeld;
        handled.push(`${p.task_id}#${p.seq}`);
      },
    }, { concurrency: 8 });
    await s.ready;
    const pub = new Signals(worker);
    await pub.publish(workerBuildDomain, "status", status(1));
    await pub.publish(workerBuildDomain, "status", status(2));
    await pub.publish(workerBuildDomain, "status", status(3, { task_id: "task-2", primary_uid: "task-2" }));
    await until(() => handled.length === 1, 10_000, "task-2 handled while task-1 waits");
    expect(handled).toEqual(["task-2#3"]);
    releaseFirst();
    await until(() => handled.length === 3, 10_000, "task-1's reports");
    expect(handled).toEqual(["task-2#3", "task-1#1", "task-1#2"]);
    s.close();
  });

  it("refuses a publish outside the component's domain with a typed error, and keeps working", async () => {
    await using ns = await namespace();
    await using worker = await openBus(ns, await ns.agent("fedoraproject:copr-worker:w1"));
    const pub = new Signals(worker);
    const err = await pub
      .publish(headhunterDomain, "dispatched", { primary_uid: "t", task_id: "t", agent: "a:b:c", attempt: 0 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusError);
    expect((err as BusError).code).toBe("UNAUTHORIZED");
    // The same connection still publishes under its own domain.
    await expect(pub.publish(workerBuildDomain, "status", status(1))).resolves.toBeUndefined();
    expect(worker.isOpen).toBe(true);
  });

  it("refuses a payload that does not match the catalog before sending", async () => {
    await using ns = await namespace();
    await using worker = await openBus(ns, await ns.agent("fedoraproject:copr-worker:w1"));
    const bad = { ...status(1), state: "exploded" } as unknown as Status;
    await expect(new Signals(worker).publish(workerBuildDomain, "status", bad)).rejects.toMatchObject({ code: "INVALID_MESSAGE" });
  });

  it("rejects malformed and schema-invalid messages and keeps consuming", async () => {
    await using ns = await namespace();
    await using worker = await openBus(ns, await ns.agent("fedoraproject:copr-worker:w1"));
    await using hh = await openBus(ns, "headhunter");
    const got: number[] = [];
    const invalid: string[] = [];
    const sub = new Signals(hh).subscribe(workerBuildDomain, { status: (p) => void got.push(p.seq) }, {
      onInvalid: (e) => invalid.push(e.code),
    });
    await sub.ready;
    const rk = "org.fedoraproject.copr.worker.build.status";
    const sender = worker.sender(worker.profile.signalTarget(rk));
    await sender.send({ subject: rk, body: dataSection(Buffer.from("{not json")) });
    await sender.send(jsonMessage({ primary_uid: "x", seq: "one" }, { subject: rk }));
    await sender.send({ subject: rk, body: 42 });
    await new Signals(worker).publish(workerBuildDomain, "status", status(7));
    await until(() => got.length === 1 && invalid.length === 3, 10_000, "consumer to go on");
    expect(got).toEqual([7]);
    expect(invalid).toEqual(["INVALID_MESSAGE", "INVALID_MESSAGE", "INVALID_MESSAGE"]);
    sub.close();
  });

  it("keeps signals for a durable subscriber that is away", async () => {
    await using ns = await namespace();
    await using worker = await openBus(ns, await ns.agent("fedoraproject:copr-worker:w1"));
    await using hh = await openBus(ns, "headhunter");
    const queue = "copr.headhunter.status-test";
    const first: number[] = [];
    const sub = new Signals(hh).subscribe(workerBuildDomain, { status: (p) => void first.push(p.seq) }, { durable: { queue } });
    await sub.ready;
    const pub = new Signals(worker);
    await pub.publish(workerBuildDomain, "status", status(1));
    await until(() => first.length === 1, 10_000, "first signal");
    sub.close();
    for (let i = 2; i <= 5; i++) await pub.publish(workerBuildDomain, "status", status(i));
    const later: number[] = [];
    const again = new Signals(hh).subscribe(workerBuildDomain, { status: (p) => void later.push(p.seq) }, { durable: { queue } });
    await again.ready;
    await until(() => later.length === 4, 10_000, "signals published while away");
    expect(later).toEqual([2, 3, 4, 5]);
    again.close();
  });

  it("refuses a durable subscription queue outside the user's permissions", async () => {
    await using ns = await namespace();
    await using worker = await openBus(ns, await ns.agent("fedoraproject:copr-worker:w1"));
    const sub = new Signals(worker).subscribe(workerBuildDomain, { status: () => undefined }, { durable: { queue: "copr.headhunter.stolen" } });
    await expect(sub.ready).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("authentication", () => {
  it("refuses a connection without credentials", async () => {
    await using ns = await namespace();
    const container = rhea.create_container({ id: "anonymous-probe" });
    const outcome = await new Promise<string>((resolve) => {
      const conn = container.connect({ host: "127.0.0.1", port: ns.amqpPort, hostname: `vhost:${ns.vhost}`, reconnect: false });
      conn.on("connection_open", () => {
        conn.close();
        resolve("open");
      });
      conn.on("connection_error", () => resolve("refused"));
      conn.on("disconnected", () => resolve("refused"));
      conn.on("error", () => resolve("refused"));
    });
    expect(outcome).toBe("refused");
  });

  it("reports a wrong password as CONNECT_FAILED with advice", async () => {
    await using ns = await namespace();
    const config = parseBusConfig({ port: ns.amqpPort, vhost: ns.vhost, username: "subscriber", password: "wrong", connectTimeoutMs: 1500 });
    const err = await BusConnection.open(config, { logger: silentLogger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusError);
    expect((err as BusError).code).toBe("CONNECT_FAILED");
    expect((err as BusError).message).toMatch(/user, password and vhost/);
  });

  it("rejects an invalid configuration naming the field", () => {
    expect(() => parseBusConfig({ port: "http", username: "" })).toThrow(/bus\.port[\s\S]*bus\.username|bus\.username[\s\S]*bus\.port/);
  });
});
