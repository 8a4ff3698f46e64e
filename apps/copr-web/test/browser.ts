import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { build } from "vite";

const UI_CONFIG = fileURLToPath(new URL("../ui/vite.config.ts", import.meta.url));
/** Screenshots of the browser tests (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));

/**
 * The production build of the web UI in a temp dir and Debian's chromium on
 * a fresh profile, for browser tests. `close()` removes both.
 */
export async function browserFixture(): Promise<{ uiDir: string; browser: BrowserContext; close(): Promise<void> }> {
  const uiDir = await mkdtemp(join(tmpdir(), "copr-ui-"));
  const profileDir = await mkdtemp(join(tmpdir(), "copr-ui-profile-"));
  await mkdir(ARTIFACTS, { recursive: true });
  // The build `npm run build:ui` makes: vite decides from NODE_ENV, which
  // vitest sets to "test" (that would mix dev JSX with production React).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({ configFile: UI_CONFIG, mode: "production", logLevel: "warn", build: { outDir: uiDir, emptyOutDir: true, sourcemap: false } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  // A persistent context is how Playwright takes a fresh --user-data-dir.
  const browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    uiDir,
    browser,
    async close() {
      await browser.close();
      await rm(uiDir, { recursive: true, force: true });
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}

/** How long a page may take to show a change, ms. */
export const SHOWN = 30_000;

/** A fresh tab that records page errors (a test fails on any). */
export async function newPage(browser: BrowserContext | undefined): Promise<{ page: Page; errors: string[] }> {
  if (browser === undefined) throw new Error("no browser");
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return { page, errors };
}

/** Saves a full-page screenshot under ARTIFACTS as NAME.png and says where. */
export async function shot(page: Page, name: string): Promise<void> {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  process.stdout.write(`screenshot: ${path}\n`);
}

/** Signs in with an API token in the header's form and waits until the page says so. */
export async function signIn(page: Page, token: string, name: string): Promise<void> {
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText(`signed in as ${name}`).waitFor({ timeout: SHOWN });
}
