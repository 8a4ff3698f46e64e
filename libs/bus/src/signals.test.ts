import type { Message } from "rhea";
import type { z } from "zod";
import { describe, expect, it } from "vitest";
import { coprBuildDomain, workerBuildDomain } from "./catalog.ts";
import { decodeJson } from "./codec.ts";
import type { BusConnection } from "./connection.ts";
import { BusError } from "./errors.ts";
import { silentLogger, type BusLogger } from "./logger.ts";
import type { BrokerProfile } from "./profile/profile.ts";
import { rabbitMq3Profile } from "./profile/rabbitmq3.ts";
import { Signals } from "./signals.ts";

type StatusInput = z.input<typeof workerBuildDomain.signals.status>;
type CoprStartInput = z.input<typeof coprBuildDomain.signals.start>;

/** The part of BusConnection that Signals.publish uses. */
interface FakeBus {
  config: { domainPrefix: string };
  profile: Pick<BrokerProfile, "signalTarget" | "topicSource">;
  log: BusLogger;
  sender(address: string): { send(message: Message): Promise<void> };
}

interface Sent {
  address: string;
  message: Message;
}

function fakeBus(options: { domainPrefix?: string; sendError?: BusError } = {}): { signals: Signals; sent: Sent[] } {
  const sent: Sent[] = [];
  const profile = rabbitMq3Profile({ vhost: "copr", username: "worker", password: "secret" });
  const bus: FakeBus = {
    config: { domainPrefix: options.domainPrefix ?? "org.fedoraproject.copr" },
    profile,
    log: silentLogger,
    sender: (address) => ({
      send: (message) => {
        sent.push({ address, message });
        return options.sendError === undefined ? Promise.resolve() : Promise.reject(options.sendError);
      },
    }),
  };
  return { signals: new Signals(bus as unknown as BusConnection), sent };
}

const status: StatusInput = {
  primary_uid: "task-17",
  task_id: "task-17",
  attempt: 2,
  agent: "copr:worker:w1",
  state: "running",
  seq: 5,
};

async function publishError(promise: Promise<void>): Promise<BusError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BusError) return error;
    throw error;
  }
  throw new Error("publish resolved");
}

describe("Signals.publish", () => {
  it("rejects a payload that fails the catalog schema with INVALID_MESSAGE and sends nothing", async () => {
    const { signals, sent } = fakeBus();
    const bad = { ...status, state: "exploded", seq: -1 } as unknown as StatusInput;
    expect((await publishError(signals.publish(workerBuildDomain, "status", bad))).code).toBe("INVALID_MESSAGE");
    const missing = { primary_uid: "task-17" } as unknown as StatusInput;
    expect((await publishError(signals.publish(workerBuildDomain, "status", missing))).code).toBe("INVALID_MESSAGE");
    expect(sent).toEqual([]);
  });

  it("rejects a signal the domain does not have with INVALID_MESSAGE", async () => {
    const { signals, sent } = fakeBus();
    const err = await publishError(signals.publish(workerBuildDomain, "finished" as "status", status));
    expect(err.code).toBe("INVALID_MESSAGE");
    expect(sent).toEqual([]);
  });

  it("rejects a signal name that is not a word with INVALID_NAME", async () => {
    const { signals, sent } = fakeBus();
    const err = await publishError(signals.publish(workerBuildDomain, "status.x" as "status", status));
    expect(err.code).toBe("INVALID_NAME");
    expect(sent).toEqual([]);
  });

  it("publishes a valid signal durably to the topic exchange under the prefixed routing key", async () => {
    const { signals, sent } = fakeBus();
    await signals.publish(workerBuildDomain, "status", status, { owner: "alice", priority: 3, urgent: false });
    expect(sent).toHaveLength(1);
    const [{ address, message }] = sent as [Sent];
    expect(address).toBe("/exchange/amq.topic/org.fedoraproject.copr.worker.build.status");
    expect(message.subject).toBe("org.fedoraproject.copr.worker.build.status");
    expect(message.durable).toBe(true);
    expect(message.content_type).toBe("application/json");
    expect(message.message_id).toEqual(expect.any(String));
    // headerFields present in the payload (task_id, agent) plus the extra headers.
    expect(message.application_properties).toEqual({
      task_id: "task-17",
      agent: "copr:worker:w1",
      owner: "alice",
      priority: 3,
      urgent: false,
    });
    expect(decodeJson(message)).toEqual(status);
  });

  it("sends the validated payload, without fields the schema does not know", async () => {
    const { signals, sent } = fakeBus();
    const withExtra = { ...status, project: "not-in-schema" } as StatusInput;
    await signals.publish(workerBuildDomain, "status", withExtra);
    const message = sent[0]?.message;
    expect(message?.application_properties).toEqual({ task_id: "task-17", agent: "copr:worker:w1" });
    expect(decodeJson(message as Message)).toEqual(status);
  });

  it("lets extra headers override header fields taken from the payload", async () => {
    const { signals, sent } = fakeBus();
    await signals.publish(workerBuildDomain, "status", status, { agent: "override" });
    expect(sent[0]?.message.application_properties).toMatchObject({ agent: "override" });
  });

  it("does not prefix a global domain", async () => {
    const { signals, sent } = fakeBus();
    const start: CoprStartInput = {
      primary_uid: "build-9",
      build: 9,
      owner: "alice",
      copr: "hello",
      chroot: "fedora-40-x86_64",
      pkg: null,
      version: null,
      user: "alice",
      who: "backend",
      status: 3,
    };
    await signals.publish(coprBuildDomain, "start", start);
    const [{ address, message }] = sent as [Sent];
    expect(address).toBe("/exchange/amq.topic/copr.build.start");
    expect(message.subject).toBe("copr.build.start");
    expect(message.application_properties).toEqual({ owner: "alice", copr: "hello", chroot: "fedora-40-x86_64", build: 9 });
    expect(signals.domainKey(coprBuildDomain)).toBe("copr.build");
  });

  it("uses a custom domainPrefix", async () => {
    const { signals, sent } = fakeBus({ domainPrefix: "org.example.copr" });
    await signals.publish(workerBuildDomain, "status", status);
    expect(sent[0]?.address).toBe("/exchange/amq.topic/org.example.copr.worker.build.status");
    expect(sent[0]?.message.subject).toBe("org.example.copr.worker.build.status");
    expect(signals.domainKey(workerBuildDomain)).toBe("org.example.copr.worker.build");
  });

  it("rejects with the broker's error when the send fails", async () => {
    const refusal = new BusError("UNAUTHORIZED", "ACCESS_REFUSED");
    const { signals } = fakeBus({ sendError: refusal });
    expect(await publishError(signals.publish(workerBuildDomain, "status", status))).toBe(refusal);
  });
});
