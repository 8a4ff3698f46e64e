import { execFile } from "node:child_process";
import { mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { chrootDir, readPrimary } from "@copr/repo";
import { rpmbuild, until } from "@copr/testkit";
import { buildOptions, coprWire, type CoprAuth } from "../apps/copr-web/test/coprWire.ts";
import { helloSpec, startStack } from "./stack.ts";

const run = promisify(execFile);

/** Every state copr-cli knows; "unknown" makes its watch fail at once. */
const COPR_STATES = ["failed", "succeeded", "canceled", "running", "pending", "skipped", "starting", "importing", "forked", "waiting"];
/** The states copr-cli's watch loop stops at. */
const DONE = ["succeeded", "skipped", "failed", "canceled"];

type Stack = Awaited<ReturnType<typeof startStack>>;

/** Uploads a spec's SRPM as copr-cli build does: check-before-build, then the multipart upload. */
async function coprBuild(s: Stack, auth: CoprAuth, spec: string): Promise<number> {
  const api = coprWire(s.web.url);
  const check = await api.send("POST", "/build/check-before-build", auth, {}, buildOptions("alice", "hello"));
  expect(check.json.error).toBeUndefined();
  const created = await api.upload(auth, await readFile(await rpmbuild(spec)), "hello-1.0-1.src.rpm", buildOptions("alice", "hello"));
  expect(created.json.error).toBeUndefined();
  return created.json.id as number;
}

/** copr-cli's watch: GET build/<id> until a final state, recording every state it read. */
async function watch(s: Stack, id: number): Promise<string[]> {
  const seen: string[] = [];
  await until(async () => {
    const state = (await coprWire(s.web.url).get(`/build/${id}`)).json.state as string;
    if (seen.at(-1) !== state) seen.push(state);
    return DONE.includes(state);
  }, 90_000, `build ${id} to end`);
  return seen;
}

describe("Copr API v3 against the whole stack, as copr-cli uses it", () => {
  it("builds, watches to succeeded or failed, lists, and downloads with copr-cli's wget command", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1");
    const auth = { login: await s.web.store.accounts.apiLogin("alice"), token: s.aliceToken };
    const api = coprWire(s.web.url);

    const ok = await coprBuild(s, auth, helloSpec());
    const okStates = await watch(s, ok);
    expect(okStates.at(-1)).toBe("succeeded");
    for (const st of okStates) expect(COPR_STATES).toContain(st);
    const build = (await api.get(`/build/${ok}`)).json;
    expect(build).toMatchObject({ state: "succeeded", started_on: expect.any(Number) as unknown, ended_on: expect.any(Number) as unknown, source_package: { name: "hello", version: "1.0-1" } });

    // download-build: build, its chroots, its project, built packages, then wget per chroot.
    const [chroot] = (await api.get("/build-chroot/list", { build_id: ok })).json.items as { name: string; state: string; result_url: string }[];
    expect(chroot).toMatchObject({ name: "fedora-40-x86_64", state: "succeeded", result_url: `${s.web.url}/results/alice/hello/fedora-40-x86_64/${String(ok).padStart(8, "0")}-hello/` });
    expect((await api.get("/project", { ownername: "alice", projectname: "hello" })).json.storage).toBe("backend");
    const built = (await api.get(`/build/built-packages/${ok}`)).json as Record<string, { packages: { name: string; arch: string; version: string; release: string; epoch: number }[] }>;
    expect(built["fedora-40-x86_64"]?.packages.map((p) => `${p.name}-${p.epoch}:${p.version}-${p.release}.${p.arch}`).sort()).toEqual(["hello-0:1.0-1.noarch", "hello-0:1.0-1.src"]);
    const dest = join(await mkdtemp(join(tmpdir(), "copr-dl-")), "fedora-40-x86_64");
    // Exactly copr-cli 2.5's command line, quotes in the reject pattern included (it passes no shell).
    await run("wget", ["-r", "-nH", "--no-parent", "--reject", '"index.html*"', "-e", "robots=off", "--no-verbose", "-P", dest, "--cut-dirs", "6", chroot?.result_url ?? ""]);
    expect((await readdir(dest)).filter((f) => f !== "index.html").sort()).toEqual(["builder-live.log.gz", "hello-1.0-1.noarch.rpm", "hello-1.0-1.src.rpm"]);

    const bad = await coprBuild(s, auth, helloSpec("echo about to fail && exit 3"));
    const badStates = await watch(s, bad);
    expect(badStates.at(-1)).toBe("failed");
    for (const st of badStates) expect(COPR_STATES).toContain(st);
    expect(((await api.get("/build-chroot/list", { build_id: bad })).json.items as { state: string }[]).map((c) => c.state)).toEqual(["failed"]);

    const listed = (await api.get("/build/list", { ownername: "alice", projectname: "hello", limit: 1000 })).json.items as { id: number; state: string }[];
    expect(listed.map((b) => [b.id, b.state])).toEqual([[bad, "failed"], [ok, "succeeded"]]);

    // delete-build: the build, its results and its packages in the repository go; a tombstone answers.
    const repo = chrootDir(s.resultsDir, { owner: "alice", project: "hello", chroot: "fedora-40-x86_64" });
    await until(async () => (await readPrimary(repo).catch(() => [])).length === 2, 30_000, "the repository with hello");
    const bob = await s.web.store.accounts.createUser("bob");
    const foreign = await api.send("DELETE", "/build/delete/list", { login: bob.login, token: bob.token }, {}, { builds: [ok] });
    expect([foreign.status, foreign.json.code]).toEqual([403, "FORBIDDEN"]);
    const sizes = async (id: number): Promise<number> => {
      const dir = join(repo, `${String(id).padStart(8, "0")}-hello`);
      const files = await readdir(dir).catch(() => [] as string[]);
      return (await Promise.all(files.map(async (n) => (await stat(join(dir, n))).size))).reduce((a, b) => a + b, 0);
    };
    const [okBytes, badBytes] = [await sizes(ok), await sizes(bad)];
    expect((await s.web.store.projects.getProject("alice", "hello"))?.diskBytes).toBe(okBytes + badBytes);
    expect((await api.send("DELETE", "/build/delete/list", auth, {}, { builds: [ok] })).json).toEqual({ builds: [ok] });
    expect((await s.web.store.projects.getProject("alice", "hello"))?.diskBytes).toBe(badBytes);
    const gone = await api.get(`/build/${ok}`);
    expect([gone.status, gone.json.error]).toEqual([404, "Build " + String(ok) + " was deleted by alice."]);
    expect(((await api.get("/build/list", { ownername: "alice", projectname: "hello", limit: 1000 })).json.items as { id: number }[]).map((b) => b.id)).toEqual([bad]);
    await expect(readdir(join(repo, `${String(ok).padStart(8, "0")}-hello`))).rejects.toThrow(/ENOENT/);
    await until(async () => (await readPrimary(repo).catch(() => [{}])).length === 0, 30_000, "the repository without hello");
  });

  it("cancels a running build and answers with its canceled state, refuses a second cancel, and deletes a running build by canceling it first", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1");
    const auth = { login: await s.web.store.accounts.apiLogin("alice"), token: s.aliceToken };
    const api = coprWire(s.web.url);
    const id = await coprBuild(s, auth, helloSpec("echo started; sleep 331 & wait"));
    await until(async () => (await api.get(`/build/${id}`)).json.state === "running", 30_000, "running");
    const bob = await s.web.store.accounts.createUser("bob");
    const foreign = await api.send("PUT", `/build/cancel/${id}`, { login: bob.login, token: bob.token });
    expect([foreign.status, foreign.json.code]).toEqual([403, "FORBIDDEN"]);
    const canceled = await api.send("PUT", `/build/cancel/${id}`, auth);
    expect(canceled.json).toMatchObject({ id, state: "canceled" });
    const again = await api.send("PUT", `/build/cancel/${id}`, auth);
    expect([again.status, again.json.code]).toEqual([409, "ALREADY_ENDED"]);
    expect((await api.get(`/build/${id}`)).json.state).toBe("canceled");

    // Deleting a running build cancels it first.
    const second = await coprBuild(s, auth, helloSpec("echo started; sleep 337 & wait"));
    await until(async () => (await api.get(`/build/${second}`)).json.state === "running", 30_000, "running");
    expect((await api.send("DELETE", "/build/delete/list", auth, {}, { builds: [second] })).json).toEqual({ builds: [second] });
    expect(await s.web.store.deletions.tombstone(second)).toMatchObject({ state: "canceled", deletedBy: "alice" });
    expect((await api.get(`/build/${second}`)).status).toBe(404);
  });

  it("deletes a project with its builds, canceling the running one first, and its results and search entries", async () => {
    await using s = await startStack();
    await s.worker("fedoraproject:copr-worker:w1");
    const auth = { login: await s.web.store.accounts.apiLogin("alice"), token: s.aliceToken };
    const api = coprWire(s.web.url);
    const done = await coprBuild(s, auth, helloSpec());
    expect((await watch(s, done)).at(-1)).toBe("succeeded");
    const running = await coprBuild(s, auth, helloSpec("echo started; sleep 347 & wait"));
    await until(async () => (await api.get(`/build/${running}`)).json.state === "running", 30_000, "running");
    const bob = await s.web.store.accounts.createUser("bob");
    const foreign = await api.send("DELETE", "/project/delete/{ownername}/{projectname}", { login: bob.login, token: bob.token }, { ownername: "alice", projectname: "hello" }, { verify: true });
    expect([foreign.status, foreign.json.code]).toEqual([403, "FORBIDDEN"]);

    const deleted = await api.send("DELETE", "/project/delete/{ownername}/{projectname}", auth, { ownername: "alice", projectname: "hello" }, { verify: true });
    expect(deleted.json).toMatchObject({ name: "hello", ownername: "alice" });
    expect((await api.get("/project", { ownername: "alice", projectname: "hello" })).status).toBe(404);
    expect((await api.get("/project/list", { ownername: "alice" })).json.items).toEqual([]);
    expect(await s.web.store.deletions.tombstone(running)).toMatchObject({ state: "canceled" });
    expect(await s.web.store.deletions.tombstone(done)).toMatchObject({ state: "succeeded" });
    await expect(readdir(join(s.resultsDir, "alice", "hello"))).rejects.toThrow(/ENOENT/);
    expect(await s.web.store.projects.searchProjects("hello")).toEqual([]);
    // The name is free again.
    await s.web.store.projects.createProject("alice", "hello", ["fedora-40-x86_64"]);
  });
});
