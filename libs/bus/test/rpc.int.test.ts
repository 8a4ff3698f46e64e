import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Agent, AgentMethodError, BusError, Console, DESCRIBE_METHOD, RemoteMethodError } from "@copr/bus";
import { namespace, openBus, until } from "./fixtures.ts";

const AGENT = "fedoraproject:copr-worker:w1";

async function rpcPair(agentName = AGENT) {
  const ns = await namespace();
  const agentBus = await openBus(ns, await ns.agent(agentName));
  const consoleBus = await openBus(ns, "headhunter");
  let runs = 0;
  // The "held" method answers only once the test opens this gate.
  let openGate = (): void => undefined;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  let holding = 0;
  const agent = await Agent.start(agentBus, { name: agentName, epoch: 1, heartbeatIntervalMs: 1000 });
  agent
    .method("add", {
      description: "adds two numbers",
      args: z.object({ a: z.number(), b: z.number() }),
      handler: ({ a, b }) => {
        runs++;
        return { sum: a + b };
      },
    })
    .method("busy", {
      description: "always refuses",
      args: z.object({}),
      handler: () => {
        throw new AgentMethodError("BUSY", "no free slot");
      },
    })
    .method("crash", {
      description: "throws a plain error",
      args: z.object({}),
      handler: () => {
        throw new Error("disk on fire");
      },
    })
    .method("slow", {
      description: "answers after ms",
      args: z.object({ ms: z.number().int() }),
      handler: async ({ ms }) => {
        runs++;
        await new Promise((r) => setTimeout(r, ms));
        return "done";
      },
    })
    .method("held", {
      description: "answers once the test opens the gate",
      args: z.object({}),
      handler: async () => {
        holding++;
        await gate;
        return "released";
      },
    });
  const console = await Console.open(consoleBus);
  return {
    agent, console, runs: () => runs, holding: () => holding,
    async [Symbol.asyncDispose]() {
      openGate();
      console.close();
      agent.close();
      await consoleBus.close();
      await agentBus.close();
      await ns[Symbol.asyncDispose]();
    },
  };
}

describe("RPC over the broker", () => {
  it("returns the method's result", async () => {
    await using p = await rpcPair();
    await expect(p.console.call(AGENT, "add", { a: 2, b: 3 })).resolves.toEqual({ sum: 5 });
  });

  it("turns agent exceptions into typed errors with stable codes", async () => {
    await using p = await rpcPair();
    const busy = await p.console.call(AGENT, "busy").catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(RemoteMethodError);
    expect((busy as RemoteMethodError).remoteCode).toBe("BUSY");
    expect((busy as RemoteMethodError).code).toBe("METHOD_FAILED");
    await expect(p.console.call(AGENT, "crash")).rejects.toMatchObject({ code: "METHOD_FAILED", remoteCode: "METHOD_FAILED" });
    await expect(p.console.call(AGENT, "nope")).rejects.toMatchObject({ code: "METHOD_NOT_FOUND" });
    await expect(p.console.call(AGENT, "add", { a: "x" })).rejects.toMatchObject({ code: "INVALID_ARGUMENTS" });
    // The agent keeps serving after all of that.
    await expect(p.console.call(AGENT, "add", { a: 1, b: 1 })).resolves.toEqual({ sum: 2 });
  });

  it("raises TIMEOUT when nobody answers", async () => {
    await using p = await rpcPair();
    // The test's own time limit is what catches a call that never ends.
    const err = await p.console.call("fedoraproject:copr-worker:nobody", "add", { a: 1, b: 2 }, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusError);
    expect((err as BusError).code).toBe("TIMEOUT");
    expect(p.console.inFlight).toBe(0);
  });

  it("raises ABORTED when the caller gives up through its signal", async () => {
    await using p = await rpcPair();
    const giveUp = new AbortController();
    const call = p.console.call("fedoraproject:copr-worker:nobody", "add", { a: 1, b: 2 }, { timeoutMs: 600_000, signal: giveUp.signal }).catch((e: unknown) => e);
    giveUp.abort();
    expect(await call).toMatchObject({ code: "ABORTED" });
    expect(p.console.inFlight).toBe(0);
    await expect(p.console.call(AGENT, "add", { a: 1, b: 1 }, { signal: giveUp.signal })).rejects.toMatchObject({ code: "ABORTED" });
    // A signal that never fires changes nothing.
    await expect(p.console.call(AGENT, "add", { a: 1, b: 1 }, { signal: new AbortController().signal })).resolves.toEqual({ sum: 2 });
  });

  it("runs a repeated request (same idempotency key) only once", async () => {
    await using p = await rpcPair();
    const key = "task-17:attempt-1";
    const results = await Promise.all([
      p.console.call(AGENT, "slow", { ms: 200 }, { idempotencyKey: key }),
      p.console.call(AGENT, "slow", { ms: 200 }, { idempotencyKey: key }),
    ]);
    await expect(p.console.call(AGENT, "slow", { ms: 1 }, { idempotencyKey: key })).resolves.toBe("done");
    expect(results).toEqual(["done", "done"]);
    expect(p.runs()).toBe(1);
  });

  it("describes its methods with argument schemas", async () => {
    await using p = await rpcPair();
    const methods = (await p.console.call(AGENT, DESCRIBE_METHOD)) as { name: string; arguments: { properties?: object } }[];
    expect(methods.map((m) => m.name).sort()).toEqual(["add", "busy", "crash", "held", "slow"]);
    expect(methods.find((m) => m.name === "add")?.arguments.properties).toHaveProperty("a");
  });

  it("keeps many calls in flight on one reply queue", async () => {
    await using p = await rpcPair();
    const calls = Array.from({ length: 300 }, (_, i) => p.console.call(AGENT, "add", { a: i, b: 1 }));
    const results = (await Promise.all(calls)) as { sum: number }[];
    expect(results.map((r) => r.sum)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(p.console.inFlight).toBe(0);
  });

  it("fails pending calls at once on close()", async () => {
    await using p = await rpcPair();
    const pending = p.console.call(AGENT, "held", {}, { timeoutMs: 600_000 });
    await until(() => p.holding() === 1, 20_000, "the agent to run the call");
    p.console.close();
    p.console.close();
    // The agent still holds the call: only close() can have ended it.
    await expect(pending).rejects.toMatchObject({ code: "CLOSED" });
    expect(p.console.inFlight).toBe(0);
  });
});
