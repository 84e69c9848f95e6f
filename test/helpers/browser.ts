// Debian's chromium driven by playwright-core, for the dashboard's browser
// tests. Missing chromium skips the tests on a developer's machine (with the
// reason) but fails under CI=true, where .ci/run installs it.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Flags known to work for root in a container without a GPU; no background traffic to anywhere. */
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

interface TestLike {
  teardown(fn: () => unknown): void;
  testdirName: string;
}

/** Why the browser tests cannot run here, or undefined when they can. Throws under CI: there a missing browser is a broken install. */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing under CI: .ci/run must install Debian's chromium package`);
  return `${CHROMIUM} is not installed (apt-get install chromium): browser tests skipped`;
}

/** A headless chromium with a new empty profile, closed and removed when the test ends. */
export async function openBrowser(t: TestLike): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), "ancla-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    // The server certificate is issued by the fleet's own CA, which this fresh profile does not know.
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 900 },
  });
  t.teardown(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return context;
}

/** Saves a full-page screenshot under the test's output folder (.tap/fixtures/..., not committed); returns its path. */
export async function screenshot(t: TestLike, page: Page, name: string): Promise<string> {
  mkdirSync(t.testdirName, { recursive: true });
  const file = join(t.testdirName, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Opens `path` on the dashboard at `url`, logs in with `token` on the login page it is sent to, and waits to be back at `path`. */
export async function logIn(context: BrowserContext, url: string, token: string, path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}${path}`);
  await page.waitForURL((u) => u.pathname === "/login");
  await page.fill("#token", token);
  await page.click("button[type=submit]");
  await page.waitForURL((u) => u.pathname === path);
  return page;
}
