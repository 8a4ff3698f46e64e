import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { rpmbuild } from "@copr/testkit";
import { helloSpec, webFixture } from "./fixtures.ts";
import { buildOptions, coprWire, createProjectBody, type CoprAuth } from "./coprWire.ts";

type Fixture = Awaited<ReturnType<typeof webFixture>>;

async function aliceAuth(f: Fixture): Promise<CoprAuth> {
  return { login: await f.web.store.accounts.apiLogin("alice"), token: f.aliceToken };
}

/** Task ids in the scheduler's inbox: what Headhunter would queue. */
async function queuedCount(f: Fixture): Promise<number> {
  return await f.web.store.redis.xlen(f.web.store.keys.schedInbox());
}

describe("Copr API v3: projects", () => {
  it("creates a project as copr-cli create does, lists it, gets it and its chroots, refusing what it cannot do", async () => {
    await using f = await webFixture();
    const api = coprWire(f.web.url);
    const auth = await aliceAuth(f);
    const created = await api.send("POST", "/project/add/{ownername}", auth, { ownername: "alice", exist_ok: false },
      createProjectBody("hello", ["fedora-40-x86_64", "epel-9-x86_64"], { description: "says hello", enable_net: true }));
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ name: "hello", ownername: "alice", full_name: "alice/hello", description: "says hello", enable_net: true, storage: "backend" });
    expect(created.json.chroot_repos).toEqual({
      "fedora-40-x86_64": `${f.web.url}/results/alice/hello/fedora-40-x86_64/`,
      "epel-9-x86_64": `${f.web.url}/results/alice/hello/epel-9-x86_64/`,
    });
    expect(created.json).not.toHaveProperty("items");

    // exist_ok=True gives the project back; False is a conflict.
    const again = createProjectBody("hello", ["fedora-40-x86_64"]);
    expect((await api.send("POST", "/project/add/{ownername}", auth, { ownername: "alice", exist_ok: true }, again)).json).toMatchObject({ name: "hello", id: created.json.id });
    const conflict = await api.send("POST", "/project/add/{ownername}", auth, { ownername: "alice", exist_ok: false }, again);
    expect([conflict.status, conflict.json.code]).toEqual([409, "EXISTS"]);

    const refusals = [
      await api.send("POST", "/project/add/{ownername}", undefined, { ownername: "alice", exist_ok: false }, createProjectBody("x1", ["fedora-40-x86_64"])),
      await api.send("POST", "/project/add/{ownername}", { login: auth.login, token: "copr_u_wrong" }, { ownername: "alice", exist_ok: false }, createProjectBody("x2", ["fedora-40-x86_64"])),
      await api.send("POST", "/project/add/{ownername}", auth, { ownername: "root", exist_ok: false }, createProjectBody("x3", ["fedora-40-x86_64"])),
      await api.send("POST", "/project/add/{ownername}", auth, { ownername: "alice", exist_ok: false }, createProjectBody("x4", ["fedora-99-x86_64"])),
      await api.send("POST", "/project/add/{ownername}", auth, { ownername: "alice", exist_ok: false }, createProjectBody("x5", ["fedora-40-x86_64"], { additional_repos: ["http://example.org/repo"] })),
      await api.send("POST", "/project/add/{ownername}", auth, { ownername: "alice", exist_ok: false }, createProjectBody("x6", ["fedora-40-x86_64"], { multilib: true })),
      await api.send("POST", "/project/add/{ownername}", auth, { ownername: "@team", exist_ok: false }, createProjectBody("x7", ["fedora-40-x86_64"])),
    ];
    expect(refusals.map((r) => [r.status, r.json.code])).toEqual([
      [401, "UNAUTHORIZED"], [401, "UNAUTHORIZED"], [403, "FORBIDDEN"], [400, "UNKNOWN_CHROOT"], [400, "INVALID_ARGUMENT"], [400, "INVALID_ARGUMENT"], [400, "NO_GROUPS"],
    ]);
    for (const r of refusals) expect(typeof r.json.error).toBe("string");
    expect(refusals[4]?.json.error).toMatch(/additional_repos/);
    expect((await f.web.store.projects.pageProjects({ owner: "alice", offset: 0, limit: 100, order: "name", descending: false })).map((p) => p.name)).toEqual(["hello"]);

    await f.root.projects.create.mutate({ name: "zzz", chroots: ["fedora-40-x86_64"] });
    await api.send("POST", "/project/add/{ownername}", auth, { ownername: "alice", exist_ok: false }, createProjectBody("abc", ["fedora-41-x86_64"]));
    const list = await api.get("/project/list", { ownername: "alice" });
    expect((list.json.items as { name: string }[]).map((p) => p.name)).toEqual(["abc", "hello"]);
    expect(list.json.meta).toEqual({ limit: null, offset: 0, order: "id", order_type: "DESC" });
    const byName = await api.get("/project/list", { ownername: "alice", order: "name", limit: 1, offset: 1 });
    expect((byName.json.items as { name: string }[]).map((p) => p.name)).toEqual(["hello"]);
    expect((await api.get("/project/list", { ownername: "alice", limit: 10, offset: 10 })).json).toEqual({ items: [], meta: { limit: 10, offset: 10, order: "id", order_type: "DESC" } });
    expect(((await api.get("/project/list")).json.items as unknown[]).length).toBe(3);

    const project = await api.get("/project", { ownername: "alice", projectname: "hello" });
    for (const field of ["id", "name", "ownername", "full_name", "description", "instructions", "homepage", "contact", "devel_mode", "persistent", "unlisted_on_hp",
      "auto_prune", "chroot_repos", "additional_repos", "enable_net", "bootstrap", "isolation", "module_hotfixes", "appstream", "packit_forge_projects_allowed",
      "follow_fedora_branching", "repo_priority", "projectname", "storage"]) expect(project.json, field).toHaveProperty(field);
    // Without the trailing slash (as copr-cli asks) and with it (as upstream's routes are written).
    expect((await fetch(`${f.web.url}/api_3/project/?ownername=alice&projectname=hello`)).status).toBe(200);

    const chroot = await api.get("/project-chroot", { ownername: "alice", projectname: "hello", chrootname: "epel-9-x86_64" });
    expect(chroot.json).toMatchObject({ mock_chroot: "epel-9-x86_64", ownername: "alice", projectname: "hello", additional_packages: [], with_opts: [] });
    const config = await api.get("/project-chroot/build-config", { ownername: "alice", projectname: "hello", chrootname: "epel-9-x86_64" });
    expect(config.json).toMatchObject({ chroot: "epel-9-x86_64", enable_net: true, isolation: "default", repos: [{ id: "copr_base", baseurl: `${f.web.url}/results/alice/hello/epel-9-x86_64/` }] });
    const missing = [
      await api.get("/project", { ownername: "alice", projectname: "nope" }),
      await api.get("/project-chroot", { ownername: "alice", projectname: "hello", chrootname: "fedora-41-x86_64" }),
    ];
    expect(missing.map((r) => [r.status, r.json.code])).toEqual([[404, "NOT_FOUND"], [404, "NOT_FOUND"]]);
    expect((await api.get("/project")).status).toBe(400);

    const chroots = await api.get("/mock-chroots/list");
    expect(Object.keys(chroots.json)).toContain("fedora-40-x86_64");
    expect(Object.values(chroots.json).every((c) => c === "")).toBe(true);
  });

  it("answers JSON under /api_3/ for unknown calls, bad URLs, bad JSON and wrong methods, never HTML", async () => {
    await using f = await webFixture({ COPR_WEB_UI_DIR: "/nonexistent" });
    for (const [method, path] of [["GET", "/api_3/nope"], ["GET", "/api_3/build/notanumber"], ["POST", "/api_3/project/list"], ["GET", "/api_3/%"], ["DELETE", "/api_3/project"]] as const) {
      const res = await fetch(`${f.web.url}${path}`, { method });
      expect([method, path, res.headers.get("content-type")]).toEqual([method, path, expect.stringMatching(/^application\/json/)]);
      const body = (await res.json()) as { error?: unknown };
      expect([path, res.status >= 400, typeof body.error]).toEqual([path, true, "string"]);
    }
    const bad = await fetch(`${f.web.url}/api_3/build/check-before-build`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([400, "INVALID_JSON"]);
    expect(await (await fetch(`${f.web.url}/api_3/`)).json()).toEqual({ version: 3 });
  });
});

describe("Copr API v3: builds", () => {
  it("checks before a build, takes the upload with pkgs before json, and reads it back as copr-cli does", async () => {
    await using f = await webFixture();
    const api = coprWire(f.web.url);
    const auth = await aliceAuth(f);
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64", "epel-9-x86_64"] });
    const srpm = await readFile(await rpmbuild(helloSpec()));

    expect((await api.send("POST", "/build/check-before-build", auth, {}, buildOptions("alice", "hello"))).json).toEqual({ message: "It should be safe to submit a build like this" });
    const checks = [
      await api.send("POST", "/build/check-before-build", auth, {}, buildOptions("alice", "nope")),
      await api.send("POST", "/build/check-before-build", auth, {}, buildOptions("alice", "hello", { chroots: ["fedora-41-x86_64"] })),
      await api.send("POST", "/build/check-before-build", auth, {}, buildOptions("alice", "hello", { project_dirname: "hello:pr:1" })),
      await api.send("POST", "/build/check-before-build", auth, {}, buildOptions("alice", "hello", { bootstrap: "on" })),
      await api.send("POST", "/build/check-before-build", auth, {}, buildOptions("alice", "hello", { timeout: "0" })),
      await api.send("POST", "/build/check-before-build", { login: auth.login, token: "copr_u_wrong" }, {}, buildOptions("alice", "hello")),
      await api.send("POST", "/build/check-before-build", { login: "nobodysloginatall", token: f.aliceToken }, {}, buildOptions("alice", "hello")),
    ];
    expect(checks.map((r) => [r.status, r.json.code])).toEqual([
      [404, "NOT_FOUND"], [400, "UNKNOWN_CHROOT"], [400, "INVALID_ARGUMENT"], [400, "INVALID_ARGUMENT"], [400, "INVALID_TIMEOUT"], [401, "UNAUTHORIZED"], [401, "UNAUTHORIZED"],
    ]);

    const created = await api.upload(auth, srpm, "hello-1.0-1.src.rpm", buildOptions("alice", "hello", { timeout: "3600", enable_net: true, exclude_chroots: ["epel-9-x86_64"] }));
    expect(created.status).toBe(200);
    expect(created.json).not.toHaveProperty("items");
    expect(created.json).toMatchObject({
      state: "pending", ownername: "alice", projectname: "hello", project_dirname: "hello", submitter: "alice", chroots: ["fedora-40-x86_64"], is_background: false,
      source_package: { name: "hello", version: "1.0-1" }, started_on: null, ended_on: null, repo_url: `${f.web.url}/results/alice/hello`,
    });
    const id = created.json.id as number;
    expect(created.json.submitted_on).toBeTypeOf("number");
    const stored = await f.web.store.builds.getBuild(id);
    expect(stored).toMatchObject({ timeoutS: 3600, enableNet: true });

    expect((await api.get(`/build/${id}`)).json).toEqual(created.json);
    const chroots = await api.get("/build-chroot/list", { build_id: id });
    expect(chroots.json).toEqual({ items: [{ name: "fedora-40-x86_64", state: "pending", started_on: null, ended_on: null, result_url: "" }], meta: expect.any(Object) as unknown });
    expect((await api.get("/build-chroot", { build_id: id, chrootname: "fedora-40-x86_64" })).json).toMatchObject({ name: "fedora-40-x86_64", state: "pending" });
    expect((await api.get(`/build/built-packages/${id}`)).json).toEqual({ "fedora-40-x86_64": { packages: [] } });

    // The json part first works too, and options copr-cli sends are honoured.
    const second = await api.upload(auth, srpm, "hello-1.0-1.src.rpm", buildOptions("alice", "hello", { background: true, with_build_id: String(id) }), "json-first");
    expect(second.json).toMatchObject({ is_background: true, chroots: ["fedora-40-x86_64", "epel-9-x86_64"] });
    expect(await f.web.store.batches.batchOf(second.json.id as number)).toBe(await f.web.store.batches.batchOf(id));

    const unknown = await api.get("/build/999999");
    expect([unknown.status, unknown.json.code]).toEqual([404, "NOT_FOUND"]);
  });

  it("refuses uploads it must refuse, before or after the file, and keeps nothing of them", async () => {
    await using f = await webFixture();
    const api = coprWire(f.web.url);
    const auth = await aliceAuth(f);
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    await f.root.projects.create.mutate({ name: "rootonly", chroots: ["fedora-40-x86_64"] });
    const srpm = await readFile(await rpmbuild(helloSpec()));
    const before = await queuedCount(f);
    const refusals = [
      // The json part names a project alice may not build in: refused after the file arrived.
      await api.upload(auth, srpm, "hello-1.0-1.src.rpm", buildOptions("root", "rootonly")),
      await api.upload(auth, srpm, "hello-1.0-1.src.rpm", buildOptions("alice", "nope")),
      await api.upload(auth, Buffer.from("not an rpm"), "hello-1.0-1.src.rpm", buildOptions("alice", "hello")),
      await api.upload(auth, Buffer.alloc(3 * 1024 * 1024, 1), "big.src.rpm", buildOptions("alice", "hello")),
      await api.upload(auth, srpm, "hello-1.0-1.src.rpm", buildOptions("alice", "hello", { after_build_id: "12", with_build_id: "12" })),
      await api.upload(undefined, srpm, "hello-1.0-1.src.rpm", buildOptions("alice", "hello")),
    ];
    expect(refusals.map((r) => [r.status, r.json.code])).toEqual([
      [403, "FORBIDDEN"], [404, "NOT_FOUND"], [422, "NOT_RPM"], [413, "TOO_LARGE"], [400, "BATCH_REFUSED"], [401, "UNAUTHORIZED"],
    ]);
    for (const r of refusals) expect(r.contentType).toMatch(/^application\/json/);
    expect(await queuedCount(f)).toBe(before);
    expect((await f.web.store.builds.listBuildIds()).length).toBe(0);
    const { readdir } = await import("node:fs/promises");
    expect((await readdir(`${f.dataDir}/srpms`)).filter((n) => n.startsWith(".upload-"))).toEqual([]);
  });

  it("builds from a URL only where allowed, with its size and time limits, answering a list", async () => {
    const srpmBytes = await readFile(await rpmbuild(helloSpec()));
    let stall = false;
    const origin = createServer((req, res) => {
      if (req.url === "/redirect") {
        res.writeHead(302, { location: "/hello-1.0-1.src.rpm" }).end();
      } else if (req.url === "/hello-1.0-1.src.rpm") {
        res.writeHead(200, { "content-type": "application/x-rpm", "content-length": srpmBytes.length }).end(srpmBytes);
      } else if (req.url === "/big.src.rpm") {
        res.writeHead(200, { "content-type": "application/x-rpm" });
        res.end(Buffer.alloc(3 * 1024 * 1024, 1));
      } else if (req.url === "/slow.src.rpm") {
        stall = true;
        res.writeHead(200, { "content-type": "application/x-rpm" });
        res.write(srpmBytes.subarray(0, 100));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((ok) => origin.listen(0, "127.0.0.1", ok));
    const at = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    try {
      await using closed = await webFixture();
      const auth0 = await aliceAuth(closed);
      await closed.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
      const local = await coprWire(closed.web.url).send("POST", "/build/create/url", auth0, {}, { ...buildOptions("alice", "hello"), pkgs: [`${at}/hello-1.0-1.src.rpm`] });
      expect([local.status, local.json.code]).toEqual([400, "LOCAL_ADDRESS"]);

      await using f = await webFixture({ COPR_WEB_URL_ALLOW_NETS: "127.0.0.0/8", COPR_WEB_URL_FETCH_TIMEOUT_S: "2" });
      const api = coprWire(f.web.url);
      const auth = await aliceAuth(f);
      await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
      const made = await api.send("POST", "/build/create/url", auth, {}, { ...buildOptions("alice", "hello"), pkgs: [`${at}/redirect`] });
      expect(made.status).toBe(200);
      expect(made.json).toMatchObject({ items: [{ state: "pending", source_package: { name: "hello" } }], meta: {} });
      const refusals = [
        await api.send("POST", "/build/create/url", auth, {}, { ...buildOptions("alice", "hello"), pkgs: [`${at}/big.src.rpm`] }),
        await api.send("POST", "/build/create/url", auth, {}, { ...buildOptions("alice", "hello"), pkgs: [`${at}/missing.src.rpm`] }),
        await api.send("POST", "/build/create/url", auth, {}, { ...buildOptions("alice", "hello"), pkgs: ["file:///etc/passwd"] }),
        await api.send("POST", "/build/create/url", auth, {}, { ...buildOptions("alice", "hello"), pkgs: [`${at}/slow.src.rpm`] }),
      ];
      expect(refusals.map((r) => [r.status, r.json.code])).toEqual([[413, "TOO_LARGE"], [400, "URL_FETCH_FAILED"], [400, "INVALID_URL"], [504, "URL_TIMEOUT"]]);
      expect(stall).toBe(true);
      expect((await f.web.store.builds.listBuildIds()).length).toBe(1);
    } finally {
      origin.closeAllConnections();
      await new Promise<void>((ok) => origin.close(() => ok()));
    }
  });

  it("pages build/list with limit and offset as list-builds does, ending on an empty page", async () => {
    await using f = await webFixture();
    const api = coprWire(f.web.url);
    const auth = await aliceAuth(f);
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    const srpm = await readFile(await rpmbuild(helloSpec()));
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api.upload(auth, srpm, "hello-1.0-1.src.rpm", buildOptions("alice", "hello"))).json.id as number);
    const seen: number[] = [];
    for (let offset = 0; ; offset += 2) {
      const page = await api.get("/build/list", { ownername: "alice", projectname: "hello", limit: 2, offset });
      expect(page.json.meta).toEqual({ limit: 2, offset, order: "id", order_type: "DESC" });
      const items = page.json.items as { id: number; source_package: { name: string } }[];
      if (items.length === 0) break;
      for (const b of items) expect(b.source_package.name).toBe("hello");
      seen.push(...items.map((b) => b.id));
    }
    expect(seen).toEqual([...ids].reverse());
    const first = await api.get("/build/list", { ownername: "alice", projectname: "hello", limit: 1000 });
    expect((first.json.items as unknown[]).length).toBe(5);
    expect((await api.get("/build/list", { ownername: "alice", projectname: "hello", limit: 1000, offset: 1000 })).json.items).toEqual([]);
    const bad = await api.get("/build/list", { ownername: "alice", projectname: "hello", packagename: "hello" });
    expect([bad.status, bad.json.code]).toEqual([400, "UNSUPPORTED"]);
  });

  it("deletes builds all or none, and the package's newest build falls back to the one before", async () => {
    await using f = await webFixture();
    const api = coprWire(f.web.url);
    const auth = await aliceAuth(f);
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    const srpm = await readFile(await rpmbuild(helloSpec()));
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api.upload(auth, srpm, "hello-1.0-1.src.rpm", buildOptions("alice", "hello"))).json.id as number);
    const [first = 0, second = 0, third = 0] = ids;
    // (Without Headhunter here, the builds are ended by hand; the whole-stack test deletes a running one.)
    for (const id of [first, second]) {
      for (const t of (await f.web.store.builds.getBuild(id))?.taskIds ?? []) await f.web.store.builds.transitionTask(t, "canceled", { reason: "test" });
    }
    // One missing build refuses the whole request.
    const refused = await api.send("DELETE", "/build/delete/list", auth, {}, { builds: [second, 999] });
    expect([refused.status, refused.json.code]).toEqual([404, "NOT_FOUND"]);
    expect((await api.get(`/build/${second}`)).status).toBe(200);
    expect((await api.send("DELETE", "/build/delete/list", auth, {}, { builds: [] })).status).toBe(400);
    expect((await api.send("DELETE", "/build/delete/list", undefined, {}, { builds: [first] })).status).toBe(401);

    for (const t of (await f.web.store.builds.getBuild(third))?.taskIds ?? []) await f.web.store.builds.transitionTask(t, "canceled", { reason: "test" });
    expect((await api.send("DELETE", `/build/delete/${third}`, auth)).json).toMatchObject({ id: third, state: "canceled" });
    expect(await f.alice.projects.packages.query({ owner: "alice", name: "hello" })).toEqual([expect.objectContaining({ name: "hello", newest: expect.objectContaining({ build: expect.objectContaining({ id: second }) as unknown }) as unknown })]);
    expect((await api.send("DELETE", "/build/delete/list", auth, {}, { builds: [first, second] })).json).toEqual({ builds: [first, second] });
    expect(await f.alice.projects.packages.query({ owner: "alice", name: "hello" })).toEqual([]);
    expect(await f.web.store.deletions.tombstone(first)).toMatchObject({ id: first, state: "canceled", deletedBy: "alice", package: "hello" });
    expect((await api.get("/build/list", { ownername: "alice", projectname: "hello" })).json.items).toEqual([]);
  });

  it("refuses to delete another's or a missing project, and a project being deleted takes no builds", async () => {
    await using f = await webFixture();
    const api = coprWire(f.web.url);
    const auth = await aliceAuth(f);
    await f.root.projects.create.mutate({ name: "rootonly", chroots: ["fedora-40-x86_64"] });
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    const refusals = [
      await api.send("DELETE", "/project/delete/{ownername}/{projectname}", auth, { ownername: "root", projectname: "rootonly" }, { verify: true }),
      await api.send("DELETE", "/project/delete/{ownername}/{projectname}", auth, { ownername: "alice", projectname: "nope" }, { verify: true }),
      await api.send("DELETE", "/project/delete/{ownername}/{projectname}", undefined, { ownername: "alice", projectname: "hello" }, { verify: true }),
    ];
    expect(refusals.map((r) => [r.status, r.json.code])).toEqual([[403, "FORBIDDEN"], [404, "NOT_FOUND"], [401, "UNAUTHORIZED"]]);
    expect(await f.web.store.projects.getProject("root", "rootonly")).not.toBeNull();
    await f.web.store.projects.markDeleting("alice", "hello");
    const late = await api.upload(auth, await readFile(await rpmbuild(helloSpec())), "hello-1.0-1.src.rpm", buildOptions("alice", "hello"));
    expect([late.status, late.json.code]).toEqual([409, "PROJECT_DELETING"]);
    // A retry finishes a deletion that stopped half-way.
    expect((await api.send("DELETE", "/project/delete/{ownername}/{projectname}", auth, { ownername: "alice", projectname: "hello" }, { verify: true })).json).toMatchObject({ name: "hello" });
    expect(await f.web.store.projects.getProject("alice", "hello")).toBeNull();
  });

  it("keeps a batch's verdict when one of its builds is deleted", async () => {
    await using f = await webFixture();
    const api = coprWire(f.web.url);
    const auth = await aliceAuth(f);
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64"] });
    const srpm = await readFile(await rpmbuild(helloSpec()));
    const first = (await api.upload(auth, srpm, "hello-1.0-1.src.rpm", buildOptions("alice", "hello"))).json.id as number;
    const second = (await api.upload(auth, srpm, "hello-1.0-1.src.rpm", buildOptions("alice", "hello", { with_build_id: String(first) }))).json.id as number;
    const batch = (await f.web.store.batches.batchOf(first)) ?? 0;
    for (const id of [first, second]) {
      const [task = ""] = (await f.web.store.builds.getBuild(id))?.taskIds ?? [];
      if (id === second) {
        await f.web.store.builds.transitionTask(task, "starting", { agent: "a:b:c" }, 0);
        await f.web.store.builds.transitionTask(task, "running", {}, 0);
        await f.web.store.builds.transitionTask(task, "publishing", {}, 0);
      }
      await f.web.store.builds.transitionTask(task, id === first ? "failed" : "succeeded", { reason: "test" });
    }
    const before = await f.web.store.batches.verdict(batch);
    expect(before.kind).toBe("failed");
    expect((await api.send("DELETE", "/build/delete/list", auth, {}, { builds: [first] })).json).toEqual({ builds: [first] });
    expect(await f.web.store.batches.verdict(batch)).toEqual(before);
    // Nothing can follow its batch: it failed, whether the failed build is deleted or not.
    const after = await api.upload(auth, srpm, "hello-1.0-1.src.rpm", buildOptions("alice", "hello", { after_build_id: String(second) }));
    expect([after.status, after.json.code]).toEqual([400, "BATCH_REFUSED"]);
  });
});
