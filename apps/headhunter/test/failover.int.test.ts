import { describe, expect, it } from "vitest";
import { freePort, until } from "@copr/testkit";
import { headhunterFixture } from "./harness.ts";

describe("several Headhunters: one active by a lease, the others standing by", () => {
  it("lets a standby take over when the active one dies, going on with running builds once and refusing the dead one's writes", async () => {
    await using f = await headhunterFixture({ leaseTtlMs: 1500 });
    const first = f.hh;
    expect(first.lease.epoch).toBe(1);
    const w = await f.worker("fedoraproject:copr-worker:w1", { slots: 2 });
    const { tasks } = await f.submit(["fedora-40-x86_64"]);
    const id = tasks[0]?.id ?? "";
    await until(() => w.builds.length === 1, 20_000, "build call");
    await w.report(id, 0, "running");
    await until(async () => (await f.store.builds.getTask(id))?.state === "running", 10_000, "running");

    const metricsPort = await freePort();
    const metrics = async (): Promise<string> => await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text().catch(() => "");
    const takingOver = f.standby("hh-2", { metricsPort });
    // While the first renews its lease, the second only stands by, and says so on /metrics.
    await until(async () => (await metrics()).includes('copr_headhunter_active{component="headhunter"} 0'), 10_000, "hh-2 serving standby metrics");
    const standing = await metrics();
    expect(standing).toContain('copr_headhunter_latest_epoch{component="headhunter"} 1');
    expect(standing).not.toContain("copr_dispatch_latency_seconds");
    await until(async () => (await f.store.leadership.active())?.id === "hh-1" && (await f.store.leadership.epoch()) === 1, 5_000, "hh-1 active");
    const dead = await f.crash();
    const second = await takingOver;
    expect(second.lease.epoch).toBe(2);
    expect(await f.store.leadership.active()).toMatchObject({ id: "hh-2", epoch: 2 });
    const active = await metrics();
    expect(active).toContain('copr_headhunter_active{component="headhunter"} 1');
    expect(active).toContain('copr_headhunter_active_epoch{component="headhunter"} 2');

    // The build that ran through the takeover ends once, on its first attempt: its agent still has it.
    await w.report(id, 0, "succeeded");
    await until(async () => (await f.store.builds.getTask(id))?.state === "succeeded", 20_000, "succeeded under hh-2");
    expect(await f.store.builds.getTask(id)).toMatchObject({ attempt: 0, agent: w.agent.name });
    expect(w.builds.filter((b) => b.task_id === id)).toHaveLength(1);
    // Whatever the dead one still tried to write is refused.
    const { tasks: later } = await f.submit(["fedora-40-x86_64"]);
    const next = later[0]?.id ?? "";
    await expect(f.store.builds.transitionTask(next, "canceled", {}, 0, dead.lease.epoch)).rejects.toMatchObject({ code: "FENCED" });
    // New builds go on under the new one.
    await until(() => w.builds.some((b) => b.task_id === next), 20_000, "the next build dispatched by hh-2");
    // Build calls carry the caller's epoch (workers refuse older ones: apps/worker/src/agent/epochFence.ts).
    expect(w.builds.map((b) => b.headhunter_epoch)).toEqual([1, 2]);
  });
});
