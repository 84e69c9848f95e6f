// Certificates in a real browser against a real server: an agent bootstraps
// without a token and waits; a viewer sees the request but has no button and
// is refused if it posts anyway; an operator signs it from the page, the
// waiting agent gets its certificate, and revokes it again. A second request
// is rejected from the page, and its waiting agent stops with that answer.
import t from "tap";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { startFleet, writeFilesSite } from "../helpers/fleet.js";
import { cli } from "../helpers/processes.js";
import { browserMissing, logIn, openBrowser, screenshot } from "../helpers/browser.js";
import { mintToken } from "./_helpers.js";

const skip = browserMissing();

/** Reloads until the waiting request is listed (the agent submits it a moment after starting). */
async function waitForRequest(page: Page, certname: string): Promise<void> {
  for (let i = 0; i < 60 && (await page.locator(`#pending ~ table tr[data-certname="${certname}"]`).count()) === 0; i++) {
    await page.waitForTimeout(500);
    await page.reload();
  }
}

t.test("a viewer cannot sign; an operator signs and revokes from the page", { skip }, async (t) => {
  const base = mkdtempSync(join(tmpdir(), "ancla-dashboard-"));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  writeFilesSite(join(base, "site"), join(base, "managed"), 1);
  const fleet = await startFleet(base, join(base, "site"));
  t.teardown(() => fleet.stop());
  const args = ["--server", fleet.server.grpc, "--ca-fingerprint", fleet.fingerprint, "--certname", "new-01", "--state-dir", join(base, "agent-new-01"), "--wait", "90s"];
  const bootstrap = cli("agent", ["bootstrap", ...args], { timeoutMs: 120_000 });

  const viewerContext = await openBrowser(t);
  const viewer = await logIn(viewerContext, fleet.server.url, await mintToken(fleet.dataDir, "viewer", "ops viewer"), "/certificates");
  await waitForRequest(viewer, "new-01");
  const row = viewer.locator('tr[data-certname="new-01"]');
  t.equal(await row.count(), 1, "the waiting request is listed");
  t.equal(await row.locator("button").count(), 0, "no button for a viewer");
  t.match(await viewer.textContent("main"), /viewer role/);
  // The viewer forges the form the operator would get: same origin, its own cookie; the role check refuses it.
  const [refused] = await Promise.all([
    viewer.waitForResponse((r) => r.url().endsWith("/certificates/new-01/sign")),
    viewer.evaluate(() => {
      const form = document.createElement("form");
      form.method = "post";
      form.action = "/certificates/new-01/sign";
      document.body.append(form);
      form.submit();
    }),
  ]);
  t.equal(refused.status(), 403, "a viewer's post is refused");
  await viewer.waitForLoadState();
  t.match(await viewer.textContent("main"), /needs the operator role/);

  const operatorContext = await openBrowser(t);
  const operator = await logIn(operatorContext, fleet.server.url, await mintToken(fleet.dataDir, "operator", "ops operator"), "/certificates");
  await waitForRequest(operator, "new-01");
  t.comment(`screenshot: ${await screenshot(t, operator, "pending")}`);
  await operator.click('tr[data-certname="new-01"] button:text("Sign")');
  await operator.waitForURL((u) => u.searchParams.get("done") === "signed");
  t.match(await operator.textContent(".notice"), "Signed new-01.");
  t.equal(await operator.locator('#signed ~ table tr[data-certname="new-01"]').count(), 1, "listed as signed");
  const enrolled = await bootstrap;
  t.equal(enrolled.code, 0, `the waiting agent got its certificate (stderr: ${enrolled.stderr})`);

  operator.once("dialog", (d) => void d.accept());
  await operator.click('tr[data-certname="new-01"] button:text("Revoke")');
  await operator.waitForURL((u) => u.searchParams.get("done") === "revoked");
  t.match(await operator.textContent("#revoked ~ table"), /new-01\s*revoked/, "listed as revoked");
  t.comment(`screenshot: ${await screenshot(t, operator, "revoked")}`);

  const audit = await fleet.ancla(["cert", "list", "--json"]);
  t.match(audit.stdout, /"state": "revoked"/, "the CA agrees");

  const unwanted = cli("agent", ["bootstrap", ...args.slice(0, 4), "--certname", "stranger-01", "--state-dir", join(base, "agent-stranger-01"), "--wait", "90s"], { timeoutMs: 120_000 });
  await waitForRequest(operator, "stranger-01");
  operator.once("dialog", (d) => void d.accept());
  await operator.click('tr[data-certname="stranger-01"] button:text("Reject")');
  await operator.waitForURL((u) => u.searchParams.get("done") === "rejected");
  t.match(await operator.textContent(".notice"), "Rejected the request of stranger-01.");
  t.match(await operator.textContent("#revoked ~ table"), /stranger-01\s*rejected/, "listed as rejected");
  const stopped = await unwanted;
  t.not(stopped.code, 0, "the waiting agent stops");
  t.match(stopped.stderr, /rejected/, `it says why (stderr: ${stopped.stderr})`);
});
