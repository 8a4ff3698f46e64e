import { describe, expect, it } from "vitest";
import { freePort } from "@copr/testkit";
import { namespace, openBus } from "./fixtures.ts";

describe("a connection given several broker nodes", () => {
  it("skips a node that does not answer, and asks the next one's management API when the first is down", async () => {
    await using ns = await namespace();
    const dead = await freePort();
    const deadHttp = await freePort();
    await using bus = await openBus(ns, "headhunter", {
      nodes: [{ host: "127.0.0.1", port: dead }, { host: "127.0.0.1", port: ns.amqpPort }],
      preferFirstNode: true,
      // The durable queue below is declared through the management API: the first URL refuses connections.
      managementUrl: [`http://127.0.0.1:${deadHttp}`, `http://127.0.0.1:${ns.managementPort}`],
      quorumQueues: false,
    });
    expect(bus.isOpen).toBe(true);
    expect(bus.node).toBe(`127.0.0.1:${ns.amqpPort}`);
    await bus.profile.ensureDurableQueue("copr.headhunter.status-nodes", ["org.fedoraproject.copr.test.x"]);
    const res = await fetch(`http://127.0.0.1:${ns.managementPort}/api/queues/${ns.vhost}/copr.headhunter.status-nodes`, {
      headers: { authorization: `Basic ${Buffer.from(`copr-admin:${ns.credentials("copr-admin").password}`).toString("base64")}` },
    });
    expect(((await res.json()) as { durable: boolean }).durable).toBe(true);
  });

  it("declares durable queues as quorum queues when asked (a cluster)", async () => {
    await using ns = await namespace();
    await using bus = await openBus(ns, "headhunter", { quorumQueues: true });
    await bus.profile.ensureDurableQueue("copr.headhunter.status-quorum", ["org.fedoraproject.copr.test.y"]);
    const res = await fetch(`http://127.0.0.1:${ns.managementPort}/api/queues/${ns.vhost}/copr.headhunter.status-quorum`, {
      headers: { authorization: `Basic ${Buffer.from(`copr-admin:${ns.credentials("copr-admin").password}`).toString("base64")}` },
    });
    expect(((await res.json()) as { type: string }).type).toBe("quorum");
  });
});
