import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpmbuild } from "@copr/testkit";
import { helloSpec, scanKeys, webFixture } from "./fixtures.ts";
import { SHOWN, browserFixture, newPage, shot, signIn } from "./browser.ts";

type Fixture = Awaited<ReturnType<typeof webFixture>>;

const WORKER = "fedoraproject:copr-worker:w1";

const spec = helloSpec();

let fixture: Awaited<ReturnType<typeof browserFixture>> | undefined;
let uiDir = "";
let browser: BrowserContext | undefined;
let srpm: Buffer;

beforeAll(async () => {
  fixture = await browserFixture();
  ({ uiDir, browser } = fixture);
  srpm = await readFile(await rpmbuild(spec));
});

afterAll(async () => {
  await fixture?.close();
});

function openPage(): Promise<{ page: Page; errors: string[] }> {
  return newPage(browser);
}

/** Uploads the test SRPM as `owner` into owner/project; returns the build id and its task ids. */
async function submit(f: Fixture, token: string, owner: string, project: string): Promise<{ id: number; taskIds: string[] }> {
  const res = await f.upload(token, owner, project, srpm);
  expect(res.status).toBe(201);
  const view = (await res.json()) as { build: { id: number; taskIds: string[] } };
  return { id: view.build.id, taskIds: view.build.taskIds };
}

async function aliceBuild(f: Fixture, chroots = ["fedora-40-x86_64"]): Promise<{ id: number; taskIds: string[] }> {
  await f.alice.projects.create.mutate({ name: "hello", chroots });
  return await submit(f, f.aliceToken, "alice", "hello");
}

/** The state cell of a chroot on the build page shows `state`. */
async function chrootState(page: Page, chroot: string, state: string): Promise<void> {
  await page.getByTestId(`state-${chroot}`).getByText(state, { exact: true }).waitFor({ timeout: SHOWN });
}

describe("copr-web UI in a browser", () => {
  it("is served for page routes (index.html), never for API and file routes", async () => {
    await using f = await webFixture({ COPR_WEB_UI_DIR: uiDir });
    for (const path of ["/", "/builds/7", "/projects/alice/hello", "/builders", "/status"]) {
      const res = await fetch(`${f.web.url}${path}`);
      expect([path, res.status, res.headers.get("content-type")]).toEqual([path, 200, "text/html; charset=utf-8"]);
      expect(await res.text()).toContain('<div id="root">');
    }
    const html = await (await fetch(f.web.url)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? "";
    const asset = await fetch(`${f.web.url}${script}`);
    expect([asset.status, asset.headers.get("content-type"), asset.headers.get("cache-control")]).toEqual([200, "application/javascript; charset=utf-8", "public, max-age=31536000, immutable"]);
    for (const path of ["/api/nope", "/trpc/nope", "/results/none/x", "/repos/a/b/c.repo", "/assets/missing.js", "/assets/%2e%2e/%2e%2e/package.json", "/assets/..%2f..%2findex.html"]) {
      const res = await fetch(`${f.web.url}${path}`);
      expect([path, res.status, res.headers.get("content-type")]).toEqual([path, 404, expect.stringMatching(/^application\/json\b/)]);
    }
    expect((await fetch(`${f.web.url}/builds/7`, { method: "POST" })).status).toBe(404);
  });

  it("follows a build live: pending → running → succeeded, log lines and downloads appear without a reload", async () => {
    await using f = await webFixture({ COPR_WEB_UI_DIR: uiDir });
    const { id, taskIds } = await aliceBuild(f);
    const taskId = taskIds[0] ?? "";
    const { page, errors } = await openPage();
    await page.goto(`${f.web.url}/builds/${id}`);
    await chrootState(page, "fedora-40-x86_64", "pending");
    // Why it waits: nothing holds it back but busy builders (no Headhunter published anything else).
    await page.getByTestId("wait-fedora-40-x86_64").getByText("waiting for a free x86_64 slot").waitFor({ timeout: SHOWN });
    await page.getByText("following live").waitFor({ timeout: SHOWN });
    // Survives only if the page is never reloaded.
    await page.evaluate(() => {
      (globalThis as unknown as { marker: string }).marker = "same page";
    });

    await f.web.store.builds.transitionTask(taskId, "starting", { agent: WORKER, hosts: [WORKER], startedAt: Date.now() }, 0);
    await chrootState(page, "fedora-40-x86_64", "starting");
    await f.web.store.builds.transitionTask(taskId, "running", { builder: "builder1 (mockbuilder@127.0.0.1)" }, 0);
    await f.web.store.logs.appendLog(taskId, 0, [`copr-worker: build ${id} hello for fedora-40-x86_64, attempt 0, on builder1 (mockbuilder@127.0.0.1)`, "line 1"]);
    await chrootState(page, "fedora-40-x86_64", "running");
    const log = page.getByTestId("log-fedora-40-x86_64");
    await log.getByText("line 1").waitFor({ timeout: SHOWN });
    await page.getByRole("cell", { name: WORKER }).waitFor({ timeout: SHOWN });
    await page.getByRole("cell", { name: "builder1 (mockbuilder@127.0.0.1)" }).waitFor({ timeout: SHOWN });
    await f.web.store.logs.appendLog(taskId, 0, ["line 2", "line 3"]);
    await log.getByText("line 3").waitFor({ timeout: SHOWN });
    await shot(page, "build-running");

    // Results as the worker would upload them, then the final state.
    const dir = join(f.dataDir, "results", "alice", "hello", "fedora-40-x86_64", `${String(id).padStart(8, "0")}-hello`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "hello-1.0-1.noarch.rpm"), "rpm");
    await writeFile(join(dir, "builder-live.log.gz"), "log");
    await f.web.store.logs.appendLog(taskId, 0, ["copr-worker: succeeded"]);
    await f.web.store.builds.transitionTask(taskId, "publishing", {}, 0);
    await f.web.store.builds.transitionTask(taskId, "succeeded", { endedAt: Date.now() }, 0);
    await chrootState(page, "fedora-40-x86_64", "succeeded");
    await log.getByText("copr-worker: succeeded").waitFor({ timeout: SHOWN });
    const rpm = page.getByRole("link", { name: "hello-1.0-1.noarch.rpm" });
    await rpm.waitFor({ timeout: SHOWN });
    expect(await rpm.getAttribute("href")).toBe(`/results/alice/hello/fedora-40-x86_64/${String(id).padStart(8, "0")}-hello/hello-1.0-1.noarch.rpm`);
    await page.getByRole("link", { name: "builder-live.log.gz" }).waitFor({ timeout: SHOWN });
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe("same page");
    expect(await log.textContent()).toMatch(/line 1\nline 2\nline 3\n/);
    await shot(page, "build-succeeded");

    // The project page links here and tells how to install.
    await page.getByRole("link", { name: "alice/hello" }).first().click();
    await page.getByRole("heading", { name: "Installation" }).waitFor({ timeout: SHOWN });
    const repoUrl = `${f.web.url}/repos/alice/hello/fedora-40-x86_64.repo`;
    await page.getByText(`sudo dnf config-manager --add-repo ${repoUrl}`).waitFor({ timeout: SHOWN });
    await page.getByText("sudo dnf install hello").waitFor({ timeout: SHOWN });
    expect((await fetch(repoUrl)).status).toBe(200);
    await shot(page, "project");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("lets the owner cancel a running build from its page", async () => {
    await using f = await webFixture({ COPR_WEB_UI_DIR: uiDir });
    const { id, taskIds } = await aliceBuild(f);
    const taskId = taskIds[0] ?? "";
    await f.web.store.builds.transitionTask(taskId, "starting", { agent: WORKER, startedAt: Date.now() }, 0);
    await f.web.store.builds.transitionTask(taskId, "running", {}, 0);
    const { page, errors } = await openPage();
    await page.goto(`${f.web.url}/builds/${id}`);
    await chrootState(page, "fedora-40-x86_64", "running");
    // Signed out: read-only.
    expect(await page.getByRole("button", { name: /cancel/i }).count()).toBe(0);
    await signIn(page, f.aliceToken, "alice");
    // (The project's creation queued one request already: its signing key.)
    const before = await scanKeys(f.web.store.redis, `${f.keyPrefix}bull:control:[0-9]*`);
    await page.getByRole("button", { name: "Cancel build" }).click();
    await page.getByRole("button", { name: "cancel requested" }).waitFor({ timeout: SHOWN });
    expect((await scanKeys(f.web.store.redis, `${f.keyPrefix}bull:control:[0-9]*`)).length).toBe(before.length + 1);
    await shot(page, "build-cancel-requested");
    // The token stays for the next visit.
    await page.reload();
    await page.getByText("signed in as alice").waitFor({ timeout: SHOWN });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("lets the owner rebuild a build's failed chroots from its page, opening the new build, and delete the old one", async () => {
    await using f = await webFixture({ COPR_WEB_UI_DIR: uiDir });
    const { id, taskIds } = await aliceBuild(f, ["fedora-40-x86_64", "epel-9-x86_64"]);
    const [failed, ok] = taskIds as [string, string];
    for (const [task, end] of [[failed, "failed"], [ok, "succeeded"]] as const) {
      await f.web.store.builds.transitionTask(task, "starting", { agent: WORKER, startedAt: Date.now() }, 0);
      await f.web.store.builds.transitionTask(task, "running", {}, 0);
      if (end === "succeeded") await f.web.store.builds.transitionTask(task, "publishing", {}, 0);
      await f.web.store.builds.transitionTask(task, end, end === "failed" ? { reason: "build command exited with code 1" } : {}, 0);
    }
    const { page, errors } = await openPage();
    await page.goto(`${f.web.url}/builds/${id}`);
    await signIn(page, f.aliceToken, "alice");
    await chrootState(page, "fedora-40-x86_64", "failed");
    await page.getByRole("button", { name: "Rebuild failed chroots (1)" }).click();
    await page.waitForURL(`${f.web.url}/builds/${id + 1}`, { timeout: SHOWN });
    await chrootState(page, "fedora-40-x86_64", "pending");
    expect(await page.getByTestId("state-epel-9-x86_64").count()).toBe(0);
    const created = await f.web.store.builds.getBuild(id + 1);
    expect(created?.srpm.sha256).toBe((await f.web.store.builds.getBuild(id))?.srpm.sha256);
    await shot(page, "build-resubmitted");

    // Delete the first build: confirmed in a dialog, then the project page; the build is gone.
    await page.goto(`${f.web.url}/builds/${id}`);
    await chrootState(page, "fedora-40-x86_64", "failed");
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Delete build" }).click();
    await page.waitForURL(`${f.web.url}/projects/alice/hello`, { timeout: SHOWN });
    expect(await f.web.store.builds.getBuild(id)).toBeNull();
    expect(await f.web.store.deletions.tombstone(id)).toMatchObject({ deletedBy: "alice", state: "failed" });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("pages through builds, newest first, on the home and project pages", async () => {
    await using f = await webFixture({ COPR_WEB_UI_DIR: uiDir });
    await f.web.store.projects.createProject("alice", "many", ["fedora-40-x86_64"]);
    const srpmInfo = { name: "hello", epoch: null, version: "1.0", release: "1", sha256: "ab".repeat(32), size: 1, file: "x.src.rpm" };
    for (let i = 0; i < 27; i++) {
      await f.web.store.builds.createBuild({ owner: "alice", project: "many", submittedBy: "alice", srpm: { ...srpmInfo, name: i % 2 === 0 ? "even" : "odd" }, chroots: [{ chroot: "fedora-40-x86_64" }] });
    }
    const { page, errors } = await openPage();
    await page.goto(f.web.url);
    await page.getByText("The 25 newest builds").waitFor({ timeout: SHOWN });
    expect(await page.locator("tr[data-build]").count()).toBe(25);
    expect(await page.locator("tr[data-build]").first().getAttribute("data-build")).toBe("27");
    await page.getByRole("button", { name: "Older builds →" }).click();
    await page.getByText("Older builds, page 2").waitFor({ timeout: SHOWN });
    const rows = page.locator("tr[data-build]");
    expect(await Promise.all([0, 1].map((i) => rows.nth(i).getAttribute("data-build")))).toEqual(["2", "1"]);
    expect(await rows.count()).toBe(2);
    expect(await page.getByRole("button", { name: "Older builds →" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "← Newer builds" }).click();
    await page.getByText("The 25 newest builds").waitFor({ timeout: SHOWN });
    // The project page: its packages with their newest build, and the same paging.
    await page.goto(`${f.web.url}/projects/alice/many`);
    const packages = page.getByRole("region", { name: "Packages" });
    await packages.getByRole("link", { name: "27: 1.0-1" }).waitFor({ timeout: SHOWN });
    await packages.getByRole("link", { name: "26: 1.0-1" }).waitFor({ timeout: SHOWN });
    await page.getByRole("button", { name: "Older builds →" }).click();
    await page.getByText("Older builds of alice/many, page 2").waitFor({ timeout: SHOWN });
    expect(await page.locator("tr[data-build]").count()).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows no Cancel or Resubmit to another signed-in user", async () => {
    await using f = await webFixture({ COPR_WEB_UI_DIR: uiDir });
    const { id } = await aliceBuild(f);
    const bob = await f.web.store.accounts.createUser("bob");
    const { page, errors } = await openPage();
    await page.goto(`${f.web.url}/builds/${id}`);
    await signIn(page, bob.token, "bob");
    await chrootState(page, "fedora-40-x86_64", "pending");
    expect(await page.getByRole("button", { name: /cancel/i }).count()).toBe(0);
    expect(await page.getByText("Resubmit").count()).toBe(0);
    // alice, for contrast, sees both.
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(page, f.aliceToken, "alice");
    await page.getByRole("button", { name: "Cancel build" }).waitFor({ timeout: SHOWN });
    expect(await page.getByText("Resubmit").count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("lists registered workers on the Builders page, live, with Drain for admins", async () => {
    await using f = await webFixture({ COPR_WEB_UI_DIR: uiDir });
    await f.web.store.workers.addWorker(WORKER);
    await f.web.store.workers.addWorker("fedoraproject:copr-worker:w2");
    const { page, errors } = await openPage();
    await page.goto(`${f.web.url}/builders`);
    const row = (name: string) => page.locator(`tr[data-builder="${name}"]`);
    await row(WORKER).waitFor({ timeout: SHOWN });
    await row("fedoraproject:copr-worker:w2").waitFor({ timeout: SHOWN });
    await page.getByText("Updated live").waitFor({ timeout: SHOWN });
    // No bus in this fixture: nobody heartbeats, so both are "lost".
    expect(await row(WORKER).getByText("lost", { exact: true }).count()).toBe(1);
    await shot(page, "builders");
    // A worker leaves: the page drops it without a reload (builders.watch).
    await f.web.store.workers.removeWorker("fedoraproject:copr-worker:w2");
    await row("fedoraproject:copr-worker:w2").waitFor({ state: "detached", timeout: SHOWN });
    // Admins drain and undrain (exact names: "Drain X" is part of "Undrain X").
    expect(await page.getByRole("button", { name: /drain/i }).count()).toBe(0);
    await signIn(page, f.rootToken, "root");
    await page.getByRole("button", { name: `Drain ${WORKER}`, exact: true }).click();
    await page.getByRole("button", { name: `Undrain ${WORKER}`, exact: true }).waitFor({ timeout: SHOWN });
    expect((await f.web.store.workers.getWorker(WORKER))?.drain).toBe(true);
    await page.getByRole("button", { name: `Undrain ${WORKER}`, exact: true }).click();
    await page.getByRole("button", { name: `Drain ${WORKER}`, exact: true }).waitFor({ timeout: SHOWN });
    expect((await f.web.store.workers.getWorker(WORKER))?.drain).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows queue counts per owner, arch and chroot on the Status page, with each group's tasks", async () => {
    await using f = await webFixture({ COPR_WEB_UI_DIR: uiDir });
    const alices = await aliceBuild(f, ["fedora-40-x86_64", "fedora-40-aarch64"]);
    const bob = await f.web.store.accounts.createUser("bob");
    await f.web.store.projects.createProject("bob", "tools", ["fedora-40-x86_64"]);
    const bobs = await submit(f, bob.token, "bob", "tools");
    await f.web.store.builds.transitionTask(bobs.taskIds[0] ?? "", "starting", { agent: WORKER, startedAt: Date.now() }, 0);
    // One more of bob's that ran and ended: the chart's "ended" bar.
    const done = await submit(f, bob.token, "bob", "tools");
    for (const to of ["starting", "running", "publishing", "succeeded"] as const) await f.web.store.builds.transitionTask(done.taskIds[0] ?? "", to, { agent: WORKER, startedAt: Date.now() }, 0);
    // As Headhunter publishes it when alice runs as many tasks as allowed.
    await f.web.store.scheduling.setReasons([["owner:alice", "owner at its limit 90/90"]]);
    const { page, errors } = await openPage();
    await page.goto(`${f.web.url}/status`);
    const cell = (dim: string, value: string, column: number) =>
      page.getByTestId(`counts-${dim}`).locator(`tr[data-value="${value}"] td`).nth(column);
    await page.getByTestId("counts-owner").locator('tr[data-value="alice"]').waitFor({ timeout: SHOWN });
    expect([await cell("owner", "alice", 0).textContent(), await cell("owner", "alice", 1).textContent()]).toEqual(["2", "0"]);
    expect([await cell("owner", "bob", 0).textContent(), await cell("owner", "bob", 1).textContent()]).toEqual(["0", "1"]);
    expect([await cell("arch", "x86_64", 0).textContent(), await cell("arch", "x86_64", 1).textContent()]).toEqual(["1", "1"]);
    expect([await cell("arch", "aarch64", 0).textContent(), await cell("arch", "aarch64", 1).textContent()]).toEqual(["1", "0"]);
    expect(await cell("chroot", "fedora-40-aarch64", 0).textContent()).toBe("1");
    const chart = page.getByTestId("status-history");
    expect(await chart.locator("figcaption").textContent()).toMatch(/^Last hour: pending \(up to 2\), ended per minute \(up to 1; 1 in all\)\.$/);
    expect(await chart.locator("rect.bar").count()).toBe(1);
    await page.getByRole("button", { name: "2 pending tasks of owner alice" }).click();
    const group = page.getByTestId("status-group");
    await group.getByText("1–2 of 2").waitFor({ timeout: SHOWN });
    expect(await group.locator("tbody tr").count()).toBe(2);
    expect(await group.getByText("owner at its limit 90/90").count()).toBe(2);
    await shot(page, "status");

    // And the home page: recent builds and the queue per arch.
    await page.getByRole("link", { name: "Builds", exact: true }).click();
    await page.getByRole("heading", { name: "Recent builds" }).waitFor({ timeout: SHOWN });
    await page.getByTestId("pending-total").getByText("2").waitFor({ timeout: SHOWN });
    expect(await page.locator("tr[data-build]").count()).toBe(3);
    await shot(page, "home");
    // The visible pending build is watched: its row follows a state change.
    await f.web.store.builds.transitionTask(alices.taskIds[0] ?? "", "starting", { agent: WORKER, startedAt: Date.now() }, 0);
    await page.locator(`tr[data-build="${alices.id}"]`).getByText("starting", { exact: true }).waitFor({ timeout: SHOWN });
    await page.getByTestId("running-total").getByText("2").waitFor({ timeout: SHOWN });
    await page.getByRole("link", { name: "Projects", exact: true }).click();
    await page.getByLabel("Search by owner, project or package").fill("tools");
    await page.getByText("1 project matching “tools”").waitFor({ timeout: SHOWN });
    // bob/tools matches by its package (hello), alice/hello by its name.
    await page.getByLabel("Search by owner, project or package").fill("HEL");
    await page.getByText("2 projects matching “HEL”").waitFor({ timeout: SHOWN });
    await page.getByRole("link", { name: "alice/hello" }).waitFor({ timeout: SHOWN });
    await page.getByRole("link", { name: "bob/tools" }).waitFor({ timeout: SHOWN });
    await shot(page, "projects");
    expect(errors).toEqual([]);
    await page.close();
  });
});
