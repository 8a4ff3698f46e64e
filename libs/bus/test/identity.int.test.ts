import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Agent, BusError, Console, HEARTBEAT_TOPIC, OPCODES, RemoteMethodError, Signals, agentQueueName, jsonMessage, workerBuildDomain,
  type AgentCredentials,
} from "@copr/bus";
import { namespace, openBus, until } from "./fixtures.ts";

const W1 = "fedoraproject:copr-worker:w1";
const W2 = "fedoraproject:copr-worker:w2";

/** The QMF application properties of a heartbeat from `agent`. */
const AGENT_HEARTBEAT_PROPS = (agent: string) => ({ "x-amqp-0-10.app-id": "qmf2", "qmf.opcode": OPCODES.heartbeat, "qmf.agent": agent });

/** A heartbeat body as an agent sends it. */
const beat = (epoch: number) => ({ _values: { _timestamp: Date.now(), _heartbeat_interval: 1000, _epoch: epoch, capabilities: {} } });

/**
 * Attaches a receiver on a connection of its own and waits for the broker's
 * answer: undefined when it was accepted, else the error.
 */
async function tryReceive(ns: Parameters<typeof openBus>[0], user: AgentCredentials, address: string): Promise<unknown> {
  await using bus = await openBus(ns, user);
  const r = bus.receiver({ address, onMessage: () => "accept" });
  try {
    await r.attached;
    return undefined;
  } catch (error) {
    return error;
  } finally {
    bus.removeReceiver(r);
  }
}

describe("one broker identity per worker", () => {
  it("keeps a connection usable after the broker refused one of its links", async () => {
    await using ns = await namespace();
    const w2User = await ns.agent(W2);
    await using w2 = await openBus(ns, w2User);
    for (const address of [w2.profile.requestSource(W1), `/amq/queue/${agentQueueName(W1)}`]) {
      const refused = w2.receiver({ address, onMessage: () => "accept" });
      await expect(refused.attached).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      w2.removeReceiver(refused);
    }
    // New links on the same connection still open: its own queue, and its own reports.
    const own = w2.receiver({ address: w2.profile.requestSource(W2), onMessage: () => "accept" });
    await own.attached;
    w2.removeReceiver(own);
    const w2Key = `${HEARTBEAT_TOPIC}.fedoraproject.copr-worker.w2`;
    await w2.sender(w2.profile.signalTarget(w2Key)).send(jsonMessage(beat(1), { application_properties: AGENT_HEARTBEAT_PROPS(W2) }));
  });

  it("lets a worker's broker user read only its own request queue and publish only as itself", async () => {
    await using ns = await namespace();
    await using w1 = await openBus(ns, await ns.agent(W1));
    const w2User = await ns.agent(W2);
    await using w2 = await openBus(ns, w2User);
    const agent = await Agent.start(w1, { name: W1, epoch: 1, heartbeatIntervalMs: 1000 });

    // w2 cannot take w1's requests: not from w1's queue, not through a queue of its own bound to the request exchange.
    expect(await tryReceive(ns, w2User, w2.profile.requestSource(W1))).toMatchObject({ code: "UNAUTHORIZED" });
    expect(await tryReceive(ns, w2User, `/exchange/qmf.request/${W1}`)).toMatchObject({ code: "UNAUTHORIZED" });
    expect(await tryReceive(ns, w2User, `/amq/queue/${agentQueueName(W1)}`)).toMatchObject({ code: "UNAUTHORIZED" });
    expect(await tryReceive(ns, w2User, w2.profile.requestSource(W2))).toBeUndefined();

    // Nor send requests to anyone, nor heartbeat under w1's key, nor claim to be w1.
    const request = jsonMessage({ _object_id: { _agent_name: W1 }, _method_name: "x", _arguments: {} });
    await expect(w2.sender(w2.profile.requestTarget(W1)).send(request)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const w1Key = `${HEARTBEAT_TOPIC}.fedoraproject.copr-worker.w1`;
    await expect(w2.sender(w2.profile.signalTarget(w1Key)).send(jsonMessage(beat(9), { application_properties: AGENT_HEARTBEAT_PROPS(W1) })))
      .rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const w2Key = `${HEARTBEAT_TOPIC}.fedoraproject.copr-worker.w2`;
    const lying = jsonMessage(beat(9), { user_id: Buffer.from(W1) as unknown as string, application_properties: AGENT_HEARTBEAT_PROPS(W1) });
    await expect(w2.sender(w2.profile.signalTarget(w2Key)).send(lying)).rejects.toBeInstanceOf(BusError);

    // Its own reports still go out, and w1 still serves.
    await expect(new Signals(w2).publish(workerBuildDomain, "status", {
      primary_uid: "t", task_id: "t", attempt: 0, agent: W2, state: "running", seq: 1,
    })).resolves.toBeUndefined();
    await using hh = await openBus(ns, "headhunter");
    const console = await Console.open(hh, { trackAgents: false });
    agent.method("ping", { description: "ping", args: z.object({}), handler: () => "pong" });
    await expect(console.call(W1, "ping")).resolves.toBe("pong");
    console.close();
    agent.close();
  });

  it("believes a heartbeat only from the broker user the agent is named after", async () => {
    await using ns = await namespace();
    await using w1 = await openBus(ns, await ns.agent(W1));
    await using w2 = await openBus(ns, await ns.agent(W2));
    await using hh = await openBus(ns, "headhunter");
    const console = await Console.open(hh, { agentIdentity: "broker-user" });
    const impostors: string[] = [];
    const restarts: string[] = [];
    console.agents.on("impostor", (r) => impostors.push(`${r.what}:${r.claimed}:${r.sender ?? "-"}`));
    console.agents.on("restarted", (a) => restarts.push(a.name));
    const agent = await Agent.start(w1, { name: W1, epoch: 1, heartbeatIntervalMs: 1000 });
    await until(() => console.agents.get(W1)?.epoch === 1, 10_000, "w1 seen");

    // w2 heartbeats on its own key (all it may use) but names w1, with a new epoch: a forged restart.
    const w2Key = `${HEARTBEAT_TOPIC}.fedoraproject.copr-worker.w2`;
    await w2.sender(w2.profile.signalTarget(w2Key)).send(jsonMessage(beat(7), { user_id: w2.userId, application_properties: AGENT_HEARTBEAT_PROPS(W1) }));
    // Without a user id at all it is no better.
    await w2.sender(w2.profile.signalTarget(w2Key)).send(jsonMessage(beat(8), { application_properties: AGENT_HEARTBEAT_PROPS(W1) }));
    await until(() => impostors.length === 2, 10_000, "both forgeries reported");
    expect(impostors).toEqual([`heartbeat:${W1}:${W2}`, `heartbeat:${W1}:-`]);
    expect(console.agents.get(W1)?.epoch).toBe(1);
    expect(restarts).toEqual([]);
    console.close();
    agent.close();
  });

  it("lets copr-web locate agents but not call them, and an agent refuse a method to callers it does not allow", async () => {
    await using ns = await namespace();
    await using w1 = await openBus(ns, await ns.agent(W1));
    const agent = await Agent.start(w1, { name: W1, epoch: 3, heartbeatIntervalMs: 60_000 });
    let builds = 0;
    agent.method("build", { description: "build", args: z.object({}), callers: ["headhunter"], handler: () => ++builds });

    await using web = await openBus(ns, "copr-web");
    const webConsole = await Console.open(web, { agentIdentity: "broker-user" });
    await until(async () => (await webConsole.locate(500)).includes(W1), 30_000, "w1 answers copr-web's locate");
    expect(webConsole.agents.get(W1)?.epoch).toBe(3);
    await expect(webConsole.call(W1, "build", {}, { timeoutMs: 5000 })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    webConsole.close();

    // The administrator may send anything anywhere; the agent still says no.
    await using admin = await openBus(ns, "copr-admin");
    const adminConsole = await Console.open(admin, { trackAgents: false });
    const refused = await adminConsole.call(W1, "build", {}, { timeoutMs: 5000, idempotencyKey: "k1" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RemoteMethodError);
    expect((refused as RemoteMethodError).code).toBe("FORBIDDEN");
    adminConsole.close();

    // The refusal took nothing from the real caller, not even the idempotency key.
    await using hh = await openBus(ns, "headhunter");
    const hhConsole = await Console.open(hh, { trackAgents: false });
    await expect(hhConsole.call(W1, "build", {}, { idempotencyKey: "k1" })).resolves.toBe(1);
    expect(builds).toBe(1);
    hhConsole.close();
    agent.close();
  });
});
