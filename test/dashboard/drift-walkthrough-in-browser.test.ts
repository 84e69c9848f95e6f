// An operator in a real browser (Debian's chromium) against a real server with
// real agents: log in, see the fleet, filter the drifted node, click through
// to its node page and the report of the run that repaired the drift, and read
// the file's diff. Screenshots go to the test's output folder.
import t from "tap";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enroll, parseReport, startFleet, writeFilesSite } from "../helpers/fleet.js";
import { browserMissing, openBrowser, screenshot } from "../helpers/browser.js";
import { adminToken } from "./_helpers.js";

const skip = browserMissing();

t.test("fleet → drifted filter → node → report → diff", { skip }, async (t) => {
  const base = mkdtempSync(join(tmpdir(), "ancla-dashboard-"));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const site = join(base, "site");
  const root = join(base, "managed");
  mkdirSync(root);
  writeFilesSite(site, root, 3);
  const fleet = await startFleet(base, site);
  t.teardown(() => fleet.stop());

  // Three nodes converge (intentional changes); then someone edits a file on web-01 and its next run repairs it (drift).
  const agents = await Promise.all(["web-01", "web-02", "db-01"].map((name) => enroll(fleet, base, name)));
  for (const a of agents) t.equal((await a.run()).code, 2, `${a.certname} converges`);
  writeFileSync(join(root, "web-01", "f002.conf"), "edited by hand\n");
  const repair = await agents[0].run();
  t.equal(repair.code, 2, "the drift is repaired");
  const driftRun = parseReport(repair.stdout).runId;

  const context = await openBrowser(t);
  const page = await context.newPage();
  await page.goto(`${fleet.server.url}/`);
  t.match(new URL(page.url()).pathname, "/login", "no cookie: the login page");
  await page.fill("#token", adminToken(fleet.dataDir));
  await page.click("button[type=submit]");
  await page.waitForURL((u) => u.pathname === "/");
  t.equal(await page.textContent("h1"), "Fleet");
  t.equal((await page.textContent('a.tile[data-status="drifted"] .n'))?.trim(), "1", "one node drifted");
  t.equal((await page.textContent('a.tile[data-status="all"] .n'))?.trim(), "3", "three nodes");
  t.equal(await page.locator("#node-list tbody tr").count(), 3);
  const chart = page.locator('#drift-chart svg[role="img"]');
  t.ok(await chart.isVisible(), "the runs-per-day chart is drawn");
  t.match(await chart.getAttribute("aria-label"), /: 1 drifted, 0 failed$/, "with today's drift run");
  t.comment(`screenshot: ${await screenshot(t, page, "fleet")}`);

  await page.click('a.tile[data-status="drifted"]');
  await page.waitForURL((u) => u.searchParams.get("status") === "drifted");
  const rows = page.locator("#node-list tbody tr");
  t.equal(await rows.count(), 1, "the filter leaves the drifted node");
  t.equal(await rows.first().getAttribute("data-certname"), "web-01");

  await page.click('#node-list a:text-is("web-01")');
  await page.waitForURL((u) => u.pathname === "/nodes/web-01");
  t.match(await page.textContent("h1"), /web-01\s+drifted/);
  t.equal(await page.locator("#run-list tbody tr").count(), 2, "two runs in the timeline");
  t.match(await page.textContent("#catalog"), /4 resources/, "the current catalog's resources");
  t.match(await page.textContent("main"), /f002\.conf/);
  t.comment(`screenshot: ${await screenshot(t, page, "node")}`);

  await page.click(`a[href^="/reports/${driftRun}?node="] >> nth=0`);
  await page.waitForURL((u) => u.pathname === `/reports/${driftRun}`);
  t.match(await page.textContent("h1"), /drifted/, "the run is a drift repair");
  const event = page.locator("tr.event", { hasText: "f002.conf" }).first();
  t.match(await event.textContent(), /corrective \(drift\)/, "the repair is marked corrective");
  t.match(await event.textContent(), /content\s+sha256:[0-9a-f]{64}\s*sha256:[0-9a-f]{64}/, "desired and actual content by digest");
  const diff = page.locator("pre.diff").first();
  t.equal(await diff.locator("span.del").first().textContent(), "-edited by hand", "the hand edit, removed");
  t.equal(await diff.locator("span.add").first().textContent(), "+# f002.conf v1 for web-01", "the managed content, restored");
  t.comment(`screenshot: ${await screenshot(t, page, "report")}`);

  await page.click('a:text("changes only")');
  await page.waitForURL((u) => u.searchParams.get("changes") === "1");
  t.ok((await page.locator("tr.event").count()) >= 1, "changes only still shows the repair");
  t.match(await page.textContent("#events ~ p"), /Showing changes only/);
});
