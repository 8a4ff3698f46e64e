import { readFile, writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BusConnection, parseBusConfig, silentLogger } from "@copr/bus";
import { busNamespace, rpmbuild } from "@copr/testkit";
import { helloSpec, webFixture } from "./fixtures.ts";
import { SHOWN, browserFixture, newPage, shot, signIn } from "./browser.ts";

let fixture: Awaited<ReturnType<typeof browserFixture>> | undefined;
let uiDir = "";
let browser: BrowserContext | undefined;

beforeAll(async () => {
  fixture = await browserFixture();
  ({ uiDir, browser } = fixture);
});

afterAll(async () => {
  await fixture?.close();
});

describe("copr-web UI: builds from the browser", () => {
  it("creates a project with the New project form, opens it, and deletes it with Delete project", async () => {
    await using f = await webFixture({ COPR_WEB_UI_DIR: uiDir });
    const { page, errors } = await newPage(browser);
    await page.goto(`${f.web.url}/projects`);
    // Nobody signed in: no form.
    await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: SHOWN });
    expect(await page.getByRole("button", { name: "New project" }).count()).toBe(0);
    await signIn(page, f.aliceToken, "alice");
    await page.getByRole("button", { name: "New project" }).click();
    const form = page.getByRole("form", { name: "New project" });
    await form.getByLabel("Name").fill("tools");
    await form.getByLabel("fedora-40-x86_64").check();
    await form.getByLabel("epel-9-aarch64").check();
    await form.getByLabel("Description").fill("Small tools, built for two chroots.");
    await form.getByLabel("Builds may use the network").check();
    await shot(page, "form-new-project");
    // A refusal is shown, and nothing is created.
    await form.getByLabel("Name").fill("bad/name");
    await form.getByRole("button", { name: "Create project" }).click();
    expect(await f.web.store.projects.getProject("alice", "bad/name")).toBeNull();
    await form.getByLabel("Name").fill("tools");
    await form.getByRole("button", { name: "Create project" }).click();
    await page.waitForURL(`${f.web.url}/projects/alice/tools`, { timeout: SHOWN });
    await page.getByTestId("project-description").getByText("Small tools, built for two chroots.").waitFor({ timeout: SHOWN });
    expect(await page.getByTestId("project-disk").textContent()).toBe("Disk used by build results: 0 bytes");
    expect(await f.web.store.projects.getProject("alice", "tools")).toMatchObject({ chroots: ["fedora-40-x86_64", "epel-9-aarch64"], enableNet: true, description: "Small tools, built for two chroots." });
    await shot(page, "form-new-project-created");

    // The link copr-cli prints for a new project opens it; the API page gives the client config.
    await page.goto(`${f.web.url}/coprs/alice/tools/`);
    await page.getByRole("heading", { name: "alice/tools" }).waitFor({ timeout: SHOWN });
    await page.goto(`${f.web.url}/api`);
    const config = (await page.getByTestId("client-config").textContent({ timeout: SHOWN })) ?? "";
    expect(config).toBe(`[copr-cli]\ncopr_url = ${f.web.url}\nlogin = ${await f.web.store.accounts.apiLogin("alice")}\nusername = alice\ntoken = ${f.aliceToken}\n# copr-cli needs this for a plain-http server:\nencrypted = False`);
    await shot(page, "api-page");

    // Delete project, after a confirm: back to the list, the project is gone.
    await page.goto(`${f.web.url}/projects/alice/tools`);
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Delete project" }).click();
    await page.waitForURL(`${f.web.url}/projects`, { timeout: SHOWN });
    expect(await f.web.store.projects.getProject("alice", "tools")).toBeNull();
    expect(errors).toEqual([]);
  });

  it("uploads an SRPM with the New build form, with a progress bar and the build options, and opens the build", async () => {
    await using f = await webFixture({ COPR_WEB_UI_DIR: uiDir });
    await f.alice.projects.create.mutate({ name: "hello", chroots: ["fedora-40-x86_64", "epel-9-x86_64", "fedora-41-x86_64"] });
    const earlier = await f.upload(f.aliceToken, "alice", "hello", await readFile(await rpmbuild(helloSpec())));
    const earlierId = ((await earlier.json()) as { build: { id: number } }).build.id;
    const srpm = await rpmbuild(helloSpec());
    const { page, errors } = await newPage(browser);
    await page.goto(`${f.web.url}/projects/alice/hello`);
    await signIn(page, f.aliceToken, "alice");
    await page.getByRole("button", { name: "New build" }).click();
    const form = page.getByRole("form", { name: "New build" });
    await form.getByLabel("Source RPM").setInputFiles(srpm);
    await form.getByLabel("fedora-41-x86_64").uncheck();
    await form.getByLabel("Timeout (seconds)").fill("600");
    await form.getByLabel("Network").selectOption("on");
    await form.getByLabel(/Background \(runs only/).check();
    await form.getByLabel("Start after build").fill(String(earlierId));
    expect(await form.getByLabel("Build together with build").isDisabled()).toBe(true);
    await shot(page, "form-new-build");
    // Record what the progress bar shows while the upload runs (the page is not reloaded: the record survives).
    // (A script in the page's own terms: this test code is type-checked without the DOM.)
    await page.evaluate(`(() => {
      const seen = [];
      globalThis.progressSeen = seen;
      new MutationObserver(() => {
        const bar = document.querySelector("[data-testid=upload-progress]");
        if (bar !== null && seen.at(-1) !== bar.value) seen.push(bar.value);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["value"] });
    })()`);
    await form.getByRole("button", { name: "Submit build" }).click();
    await page.waitForURL(/\/builds\/\d+$/, { timeout: SHOWN });
    const id = Number(/\/builds\/(\d+)$/.exec(page.url())?.[1]);
    const seen = await page.evaluate(() => (globalThis as unknown as { progressSeen: number[] }).progressSeen);
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(100);
    expect(id).toBe(earlierId + 1);
    const build = await f.web.store.builds.getBuild(id);
    expect(build).toMatchObject({ timeoutS: 600, enableNet: true, background: true, srpm: { name: "hello" } });
    expect((await f.web.store.builds.getTasks(build?.taskIds ?? [])).map((t) => t.chroot)).toEqual(["fedora-40-x86_64", "epel-9-x86_64"]);
    expect(await f.web.store.batches.batchOf(id)).not.toBe(await f.web.store.batches.batchOf(earlierId));
    await page.getByTestId("state-fedora-40-x86_64").waitFor({ timeout: SHOWN });
    await shot(page, "form-new-build-submitted");

    // The server's refusal is shown in the form: a file that is not an RPM.
    const junk = join(await mkdtemp(join(tmpdir(), "copr-junk-")), "junk.src.rpm");
    await writeFile(junk, "not an rpm");
    await page.goto(`${f.web.url}/projects/alice/hello`);
    await page.getByRole("button", { name: "New build" }).click();
    await form.getByLabel("Source RPM").setInputFiles(junk);
    await form.getByRole("button", { name: "Submit build" }).click();
    await form.getByRole("alert").getByText(/not an RPM|RPM file/i).waitFor({ timeout: SHOWN });
    expect((await f.web.store.builds.listBuildIds()).length).toBe(2);

    // Another signed-in user sees no form on alice's project.
    const bob = await f.web.store.accounts.createUser("bob");
    const other = await newPage(browser);
    await other.page.goto(`${f.web.url}/projects/alice/hello`);
    // The browser profile remembers alice's token: sign out first.
    await other.page.getByRole("button", { name: "Sign out" }).click();
    await signIn(other.page, bob.token, "bob");
    await other.page.getByRole("heading", { name: "Chroots" }).waitFor({ timeout: SHOWN });
    expect(await other.page.getByRole("button", { name: "New build" }).count()).toBe(0);
    expect([...errors, ...other.errors]).toEqual([]);
  });

  it("registers a worker from the Builders page for admins, showing its token and broker password once", async () => {
    const services = inject("services");
    await using ns = await busNamespace(services);
    const name = `ui-${ns.vhost}:copr-worker:w9`;
    await using f = await webFixture({
      COPR_WEB_UI_DIR: uiDir, COPR_BUS_PORT: String(ns.amqpPort), COPR_BUS_VHOST: ns.vhost,
      COPR_BUS_MANAGEMENT_URL: `http://127.0.0.1:${ns.managementPort}`, COPR_BROKER_ADMIN_PASSWORD: services.passwords["copr-admin"],
    });
    const { page, errors } = await newPage(browser);
    await page.goto(`${f.web.url}/builders`);
    await signIn(page, f.aliceToken, "alice");
    await page.getByRole("heading", { name: "Builders" }).waitFor({ timeout: SHOWN });
    expect(await page.getByRole("heading", { name: "Register a worker" }).count()).toBe(0);
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(page, f.rootToken, "root (admin)");
    await page.getByLabel("Name (vendor:product:instance)").fill(name);
    await page.getByRole("button", { name: "Register" }).click();
    const shown = page.getByTestId("registered-worker");
    await shown.waitFor({ timeout: SHOWN });
    const token = (await page.getByTestId("worker-token").textContent()) ?? "";
    const password = (await page.getByTestId("worker-broker-password").textContent()) ?? "";
    const env = (await page.getByTestId("worker-env").textContent()) ?? "";
    expect(token).toMatch(/^copr_w_/);
    expect(env).toContain(`COPR_WORKER_NAME=${name}\nCOPR_WORKER_TOKEN=${token}\nCOPR_WORKER_WEB_URL=${f.web.url}\nCOPR_BUS_USER=${name}\nCOPR_BUS_PASSWORD=${password}\n`);
    expect(env).toContain(`COPR_BUS_VHOST=${ns.vhost}`);
    await shot(page, "form-register-worker");
    // What was shown works: the token is the worker's, the password logs in as that worker.
    expect((await f.web.store.workers.authenticateWorker(token))?.name).toBe(name);
    const bus = await BusConnection.open(parseBusConfig({ port: ns.amqpPort, vhost: ns.vhost, username: name, password }), { logger: silentLogger });
    await bus.close();
    // Shown once: a reload does not show it again; the worker is listed.
    await page.reload();
    await page.getByRole("cell", { name }).waitFor({ timeout: SHOWN });
    expect(await page.getByTestId("registered-worker").count()).toBe(0);
    // A name taken is refused with the server's reason.
    await page.getByLabel("Name (vendor:product:instance)").fill(name);
    await page.getByRole("button", { name: "Register" }).click();
    await page.getByRole("alert").waitFor({ timeout: SHOWN });
    expect(errors).toEqual([]);
    const management = await import("@copr/testkit").then((m) => new m.ManagementClient({ port: ns.managementPort, username: "copr-admin", password: services.passwords["copr-admin"] }));
    await management.request("DELETE", `/api/users/${encodeURIComponent(name)}`);
  });
});
