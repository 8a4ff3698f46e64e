import { describe, expect, it } from "vitest";
import { until } from "@copr/testkit";
import { srpm, store } from "./fixtures.ts";

describe("which Headhunter is active: the lease and its fencing epoch", () => {
  it("lets one instance hold the lease, hands it over with a new epoch once it expired, and fences the old one's task moves", async () => {
    await using s = await store();
    const l = s.leadership;
    expect(await l.active()).toBeNull();
    expect(await l.acquire("hh-a", 60_000)).toEqual({ epoch: 1, takenNow: true });
    expect(await l.acquire("hh-b", 60_000)).toBeNull();
    // Held already: renewed, same epoch.
    expect(await l.acquire("hh-a", 60_000)).toEqual({ epoch: 1, takenNow: false });
    expect(await l.renew("hh-a", 1, 60_000)).toBe(true);
    expect(await l.renew("hh-b", 1, 60_000)).toBe(false);
    expect(await l.active()).toMatchObject({ id: "hh-a", epoch: 1 });

    const { tasks } = await s.builds.createBuild({ owner: "a", project: "p", submittedBy: "a", srpm, chroots: [{ chroot: "fedora-40-x86_64" }] });
    const id = tasks[0]?.id ?? "";
    await s.builds.transitionTask(id, "starting", { agent: "v:p:w1" }, 0, 1);

    // hh-a stops renewing (a kill -9 or a long pause): its lease runs out and hh-b takes over with epoch 2.
    expect(await l.renew("hh-a", 1, 100)).toBe(true);
    await until(async () => (await l.acquire("hh-b", 60_000)) !== null, 10_000, "hh-b to take the expired lease");
    expect(await l.active()).toMatchObject({ id: "hh-b", epoch: 2 });
    expect(await l.epoch()).toBe(2);
    // hh-a learns it lost the lease when it renews; until then its writes are refused.
    await expect(s.builds.transitionTask(id, "running", {}, 0, 1)).rejects.toMatchObject({ code: "FENCED" });
    expect((await s.builds.getTask(id))?.state).toBe("starting");
    expect(await l.renew("hh-a", 1, 60_000)).toBe(false);
    expect(await l.acquire("hh-a", 60_000)).toBeNull();
    await s.builds.transitionTask(id, "running", {}, 0, 2);
    expect((await s.builds.getTask(id))?.state).toBe("running");

    // A clean stop gives the lease up: the standby takes it at once.
    await l.release("hh-a"); // not its lease: changes nothing
    expect(await l.active()).toMatchObject({ id: "hh-b" });
    await l.release("hh-b");
    expect(await l.active()).toBeNull();
    expect(await l.acquire("hh-a", 60_000)).toEqual({ epoch: 3, takenNow: true });
  });
});
