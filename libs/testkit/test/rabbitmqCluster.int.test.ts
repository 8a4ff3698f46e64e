import { describe, expect, test } from "vitest";
import { RabbitMqCluster, type RabbitMqInstance, until } from "../src/index.ts";

/** The parts of GET /api/queues/<vhost>/<name> this test reads (a quorum queue's). */
interface QueueInfo {
  type?: string;
  leader?: string;
  members?: string[];
  online?: string[];
}

/** GET /api/queues/copr/<name> on `node`; undefined while that node does not answer it. */
async function queueInfo(node: RabbitMqInstance, name: string): Promise<QueueInfo | undefined> {
  try {
    const res = await node.management("GET", `/api/queues/copr/${encodeURIComponent(name)}`);
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    return (await res.json()) as QueueInfo;
  } catch {
    return undefined;
  }
}

/** The payloads of the first messages of the queue, read through `node` and left in the queue (requeued). */
async function peek(node: RabbitMqInstance, name: string): Promise<string[] | undefined> {
  try {
    const res = await node.management("POST", `/api/queues/copr/${encodeURIComponent(name)}/get`, {
      count: 10, ackmode: "ack_requeue_true", encoding: "auto",
    });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    return ((await res.json()) as { payload: string }[]).map((m) => m.payload);
  } catch {
    return undefined;
  }
}

describe("RabbitMqCluster", () => {
  test("a quorum queue keeps a persistent message when its leader's node is killed -9, and the node rejoins", async () => {
    const cluster = await RabbitMqCluster.start();
    try {
      const names = cluster.nodes.map((n) => n.nodeName);
      expect(new Set(names).size).toBe(3);
      for (const node of cluster.nodes) {
        const listed = (await (await node.management("GET", "/api/nodes")).json()) as { name: string; running: boolean }[];
        expect(listed.filter((l) => l.running).map((l) => l.name).sort()).toEqual([...names].sort());
      }

      // Declared as Headhunter declares its status queue on a cluster (infra/rabbitmq/cluster.conf.example).
      const queue = "copr.headhunter.status-cluster-test";
      const declared = await cluster.management("PUT", `/api/queues/copr/${queue}`, {
        durable: true, auto_delete: false, arguments: { "x-queue-type": "quorum" },
      });
      expect(declared.status, await declared.text()).toBe(201);
      let info: QueueInfo | undefined;
      // The member list and leader come from the queue's Ra cluster, which may take a moment to report.
      await until(async () => {
        info = await queueInfo(cluster.first, queue);
        return info?.leader !== undefined && info.members?.length === 3;
      }, 30_000, "the quorum queue to report a leader and 3 members", 100);
      expect(info?.type).toBe("quorum");
      expect([...(info?.members ?? [])].sort()).toEqual([...names].sort());

      const published = await cluster.management("POST", "/api/exchanges/copr/amq.default/publish", {
        routing_key: queue, payload: "survives the leader", payload_encoding: "string", properties: { delivery_mode: 2 },
      });
      expect(published.status).toBe(200);
      expect(await published.json()).toEqual({ routed: true });

      const oldLeader = info?.leader ?? "";
      const leaderNode = cluster.nodes.find((n) => n.nodeName === oldLeader);
      if (leaderNode === undefined) throw new Error(`the leader ${oldLeader} is none of the cluster's nodes ${names.join(", ")}`);
      const victim = cluster.nodes.indexOf(leaderNode);
      await cluster.kill(victim);
      expect(leaderNode.running).toBe(false);
      const survivor = cluster.first;
      expect(survivor.nodeName).not.toBe(oldLeader);

      // The two survivors are a majority: they elect a new leader, which still has the message.
      await until(async () => {
        const now = await queueInfo(survivor, queue);
        return now?.leader !== undefined && now.leader !== oldLeader;
      }, 60_000, "the survivors to elect a new leader", 100);
      let seen: string[] | undefined;
      await until(async () => (seen = await peek(survivor, queue)) !== undefined && seen.length > 0, 60_000, "the message to be readable from the new leader", 100);
      expect(seen).toEqual(["survives the leader"]);

      await cluster.restart(victim);
      expect(cluster.nodes.every((n) => n.running)).toBe(true);
      for (const node of cluster.nodes) {
        const listed = (await (await node.management("GET", "/api/nodes")).json()) as { name: string; running: boolean }[];
        expect(listed.filter((l) => l.running).map((l) => l.name).sort()).toEqual([...names].sort());
      }
      // The restarted node's member is back in the queue's Ra cluster.
      await until(async () => (await queueInfo(leaderNode, queue))?.online?.includes(oldLeader) === true,
        60_000, "the restarted node's queue member to be online again", 100);
      expect(await peek(leaderNode, queue)).toEqual(["survives the leader"]);
    } finally {
      await cluster.close();
    }
    expect(cluster.nodes.some((n) => n.running)).toBe(false);
    await cluster.close();
  }, 240_000);
});
