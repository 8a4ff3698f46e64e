import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpmbuild } from "@copr/testkit";
import { buildCli } from "../scripts/buildCli.ts";
import { helloSpec, startStack, waitForRelease } from "./stack.ts";
import { ARTIFACTS, browserFixture, newPage } from "../apps/copr-web/test/browser.ts";

// The web UI against the whole pipeline: a build submitted with the CLI and
// run by a real worker over SSH; a worker process killed with SIGKILL.
const run = promisify(execFile);
const SHOWN = 30_000;

let fixture: Awaited<ReturnType<typeof browserFixture>> | undefined;
let uiDir = "";
let browser: BrowserContext | undefined;

beforeAll(async () => {
  fixture = await browserFixture();
  ({ uiDir, browser } = fixture);
}, 120_000);

afterAll(async () => {
  await fixture?.close();
});

async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await newPage(browser);
  await page.goto(url);
  // Survives only if the page is never reloaded.
  await page.evaluate(() => {
    (globalThis as unknown as { coprNoReload: boolean }).coprNoReload = true;
  });
  return { page, errors };
}

const stillSamePage = (page: Page): Promise<boolean> => page.evaluate(() => (globalThis as unknown as { coprNoReload?: boolean }).coprNoReload === true);

describe("web UI on the whole stack", () => {
  it("shows a build submitted with the CLI go pending → running → succeeded live, with its log", async () => {
    await using s = await startStack({ uiDir });
    const config = join(await mkdtemp(join(tmpdir(), "copr-cli-")), "copr.conf");
    await writeFile(config, `[copr-cli]\ncopr_url = ${s.web.url}\ntoken = ${s.aliceToken}\n`);
    // The build waits for release(), so the page is sure to see it running.
    const srpm = await rpmbuild(helloSpec(`echo compiling; ${waitForRelease}; echo compiled`));
    const home = await openPage(`${s.web.url}/`);
    await home.page.getByRole("heading", { name: "Recent builds" }).waitFor({ timeout: SHOWN });
    const submitted = await run(process.execPath, [await buildCli(), "build", "hello", srpm, "--nowait", "--config", config]);
    const id = Number(/Created builds: (\d+)/.exec(submitted.stdout)?.[1]);
    expect(id).toBeGreaterThan(0);
    // The home page learns of the new build by itself.
    await home.page.locator(`a[href="/builds/${id}"]`).first().waitFor({ timeout: SHOWN });
    expect(await stillSamePage(home.page)).toBe(true);
    await home.page.screenshot({ path: join(ARTIFACTS, "e2e-home.png"), fullPage: true });
    await home.page.close();

    const { page, errors } = await openPage(`${s.web.url}/builds/${id}`);
    const state = page.getByTestId("state-fedora-40-x86_64");
    await state.getByText("pending", { exact: true }).waitFor({ timeout: SHOWN });
    await page.screenshot({ path: join(ARTIFACTS, "e2e-build-pending.png"), fullPage: true });
    // No worker yet: the task waits. Now one appears and takes it.
    await s.worker("fedoraproject:copr-worker:w1");
    await state.getByText("running", { exact: true }).waitFor({ timeout: SHOWN });
    await page.getByTestId("log-fedora-40-x86_64").getByText("compiling", { exact: true }).first().waitFor({ timeout: SHOWN });
    await page.screenshot({ path: join(ARTIFACTS, "e2e-build-running.png"), fullPage: true });
    await s.release(`${id}-fedora-40-x86_64`, 0);
    await state.getByText("succeeded", { exact: true }).waitFor({ timeout: SHOWN });
    await page.getByTestId("log-fedora-40-x86_64").getByText(/Wrote: .*hello-1\.0-1\.noarch\.rpm/).first().waitFor({ timeout: SHOWN });
    await page.screenshot({ path: join(ARTIFACTS, "e2e-build-succeeded.png"), fullPage: true });
    expect(await stillSamePage(page)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
    // The project page names the key its packages are signed with, and where dnf gets it.
    const fingerprint = (await s.web.store.projects.getProject("alice", "hello"))?.signingKey ?? "none";
    const project = await openPage(`${s.web.url}/projects/alice/hello`);
    await project.page.getByTestId("signing-key").getByText(fingerprint).waitFor({ timeout: SHOWN });
    expect(await project.page.getByTestId("signing-key").locator("a").getAttribute("href")).toBe(`${s.web.url}/results/alice/hello/pubkey.gpg`);
    await project.page.screenshot({ path: join(ARTIFACTS, "e2e-project-signed.png"), fullPage: true });
    expect(project.errors).toEqual([]);
    await project.page.close();
  }, 120_000);

  it("lets the owner cancel a running build from its page; nothing is left running on the builder host", async () => {
    await using s = await startStack({ uiDir });
    await s.worker("fedoraproject:copr-worker:w1");
    const id = await s.submit(helloSpec("echo started; sleep 331 & wait"));
    const { page, errors } = await openPage(`${s.web.url}/builds/${id}`);
    const state = page.getByTestId("state-fedora-40-x86_64");
    await state.getByText("running", { exact: true }).waitFor({ timeout: SHOWN });
    await page.getByTestId("log-fedora-40-x86_64").getByText("started", { exact: true }).first().waitFor({ timeout: SHOWN });
    await page.getByLabel("API token").fill(s.aliceToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Cancel build" }).click();
    await state.getByText("canceled", { exact: true }).waitFor({ timeout: SHOWN });
    await page.getByTestId("log-fedora-40-x86_64").getByText("copr-worker: canceled (canceled on request)").first().waitFor({ timeout: SHOWN });
    await page.screenshot({ path: join(ARTIFACTS, "e2e-build-canceled.png"), fullPage: true });
    const left = await run("pgrep", ["-u", s.sshd.user, "-f", "sleep 331"]).then((r) => r.stdout.trim(), () => "");
    expect(left).toBe("");
    expect(await stillSamePage(page)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("shows a worker leave the builders page when its process is killed", async () => {
    await using s = await startStack({ uiDir });
    const worker = await s.spawnWorker("fedoraproject:copr-worker:w9");
    const { page, errors } = await openPage(`${s.web.url}/builders`);
    const row = page.locator('tr[data-builder="fedoraproject:copr-worker:w9"]');
    await row.getByText("online", { exact: true }).waitFor({ timeout: SHOWN });
    await expect.poll(async () => (await row.textContent()) ?? "", { timeout: SHOWN }).toContain("x86_64");
    // The active Headhunter and its fencing epoch (the stack runs one, the first to take the lease).
    await expect.poll(async () => (await page.getByTestId("headhunter-active").textContent()) ?? "", { timeout: SHOWN })
      .toMatch(new RegExp(`Headhunter ${s.hh.lease.id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is active, epoch 1, since`));
    await page.screenshot({ path: join(ARTIFACTS, "e2e-builders-online.png"), fullPage: true });
    worker.kill();
    await row.getByText("lost", { exact: true }).waitFor({ timeout: SHOWN });
    await page.screenshot({ path: join(ARTIFACTS, "e2e-builders-lost.png"), fullPage: true });
    expect(await stillSamePage(page)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

