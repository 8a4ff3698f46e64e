import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chrootDir, readPrimary } from "@copr/repo";
import { until } from "@copr/testkit";
import { helloSpec, startStack } from "./stack.ts";

const DAY = 86_400_000;

/** The hello spec as package `name` at `version`. */
const spec = (name: string, version: string, build = "echo building"): string =>
  helloSpec(build).replace("Name: hello", `Name: ${name}`).replace("Version: 1.0", `Version: ${version}`).replaceAll("/usr/share/hello", `/usr/share/${name}`);

describe("auto-prune on a real repository", () => {
  it("removes superseded and failed builds' results after the grace days, keeping each package's newest success in the repository", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1");
    const a1 = await s.submit(spec("alpha", "1.0"));
    await s.waitFinal(a1);
    const a2 = await s.submit(spec("alpha", "2.0"));
    await s.waitFinal(a2);
    const b1 = await s.submit(spec("beta", "1.0"));
    await s.waitFinal(b1);
    const a3 = await s.submit(spec("alpha", "3.0", "exit 1"));
    expect((await s.waitFinal(a3))[0]?.state).toBe("failed");
    const repo = chrootDir(s.resultsDir, { owner: "alice", project: "hello", chroot: "fedora-40-x86_64" });
    const nevras = async (): Promise<string[]> => (await readPrimary(repo).catch(() => [])).map((p) => `${p.name}-${p.version}.${p.arch}`).sort();
    const all = ["alpha-1.0.noarch", "alpha-1.0.src", "alpha-2.0.noarch", "alpha-2.0.src", "beta-1.0.noarch", "beta-1.0.src"];
    await until(async () => JSON.stringify(await nevras()) === JSON.stringify(all), 30_000, "the repository with every success");
    const dirs = async (): Promise<string[]> => (await readdir(repo)).filter((d) => /^\d{8}-/.test(d)).sort();
    const before = await dirs();
    expect(before).toHaveLength(4);

    // Nothing is old enough yet.
    expect(await s.web.pruner.runOnce(Date.now())).toEqual([]);
    // Fifteen days on: alpha 1.0 (superseded) and alpha 3.0 (failed) go; alpha 2.0 and beta 1.0 stay.
    const pruned = await s.web.pruner.runOnce(Date.now() + 15 * DAY);
    expect(pruned.map((p) => p.buildId).sort((x, y) => x - y)).toEqual([a1, a3]);
    expect(await dirs()).toEqual(before.filter((d) => !d.startsWith(String(a1).padStart(8, "0")) && !d.startsWith(String(a3).padStart(8, "0"))));
    const kept = ["alpha-2.0.noarch", "alpha-2.0.src", "beta-1.0.noarch", "beta-1.0.src"];
    await until(async () => JSON.stringify(await nevras()) === JSON.stringify(kept), 30_000, "the repository without alpha 1.0");
    // The builds themselves stay, as in Copr; a second pass finds nothing more.
    expect(await s.web.store.builds.getBuild(a1)).not.toBeNull();
    expect(await s.web.pruner.runOnce(Date.now() + 15 * DAY)).toEqual([]);
    expect((await s.web.store.projects.getProject("alice", "hello"))?.diskBytes).toBeGreaterThan(0);

    // A project with auto-prune off keeps everything.
    await s.web.store.projects.createProject("alice", "keepall", ["fedora-40-x86_64"], { autoPrune: false });
    const k1 = await s.submit(spec("alpha", "1.0"), { as: { token: s.aliceToken, project: "alice/keepall" } });
    await s.waitFinal(k1);
    const k2 = await s.submit(spec("alpha", "2.0"), { as: { token: s.aliceToken, project: "alice/keepall" } });
    await s.waitFinal(k2);
    expect(await s.web.pruner.runOnce(Date.now() + 30 * DAY)).toEqual([]);
    expect((await readdir(join(s.resultsDir, "alice", "keepall", "fedora-40-x86_64"))).filter((d) => /^\d{8}-/.test(d))).toHaveLength(2);
  });
});
