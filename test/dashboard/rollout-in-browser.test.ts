// The rollout page in Chromium against a real server and rollout controller:
// an admin sees the canary moved and the rollout waiting for a go, pauses and
// resumes it and approves it with a ticket from the page's buttons; the page
// (and the list) do not scroll sideways on a phone-sized screen. Screenshots
// of each state are kept under the test's output folder.
import t from "tap";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { browserMissing, logIn, openBrowser, screenshot } from "../helpers/browser.js";
import { call } from "../server/_helpers.js";
import { startRolloutApi } from "./_helpers.js";

const skip = browserMissing();

t.test("an admin follows and steers a rollout from its page; it fits a phone screen", { skip }, async (t) => {
  const nodes = Array.from({ length: 8 }, (_, i) => ({ certname: `web-frontend-${String(i + 1).padStart(2, "0")}.europe-west.example.org`, environment: "production", canary: i === 0 }));
  const api = await startRolloutApi(t, nodes);
  const started = await call(api, "POST", "/api/v1/rollouts", { token: api.tokens.operator, body: JSON.stringify({ environment: "production" }) });
  t.equal(started.status, 201, started.status === 201 ? "the rollout starts" : JSON.stringify(started.body));
  const { id } = started.body as { id: string };
  await api.pass(1);
  await api.ran(nodes[0].certname, ReportStatus.CHANGED);
  await api.pass(1);

  const context = await openBrowser(t);
  const page = await logIn(context, api.url, api.tokens.admin, `/rollouts/${id}`);
  t.equal(await page.textContent("h1 .badge"), "awaiting-approval");
  t.equal(await page.locator("#moved-nodes tbody tr").count(), 1, "the canary moved");
  t.equal(await page.locator("#control-nodes tbody tr").count(), 7, "the rest is the control");
  t.ok(await page.locator("#gate-chart svg path.gate-healthy").isVisible(), "the gate chart is drawn");
  t.comment(`screenshot: ${await screenshot(t, page, "awaiting-approval")}`);

  await page.click('#actions button:text("Pause")');
  await page.waitForURL((u) => u.searchParams.get("done") === "pause");
  t.equal(await page.textContent("h1 .badge"), "paused");
  t.match(await page.textContent(".notice"), "Paused.");
  await page.click('#actions button:text("Resume")');
  await page.waitForURL((u) => u.searchParams.get("done") === "resume");
  t.equal(await page.textContent("h1 .badge"), "awaiting-approval");

  await page.fill('#actions input[name="ticket"]', "CHG-7");
  await page.click('#actions button:text("Approve")');
  await page.waitForURL((u) => u.searchParams.get("done") === "approve");
  t.equal(await page.textContent("h1 .badge"), "running", "approved by someone other than its starter, it runs on");
  t.match(await page.textContent("#approvals"), /step 2 by token:.*\(test admin\) \(CHG-7\)/);
  t.equal(await page.locator("#moved-nodes tbody tr").count(), 8, "the last step moved every node");
  t.comment(`screenshot: ${await screenshot(t, page, "approved")}`);

  await page.setViewportSize({ width: 375, height: 740 });
  for (const path of [`/rollouts/${id}`, "/rollouts"]) {
    await page.goto(`${api.url}${path}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    t.ok(overflow <= 0, `${path} does not scroll sideways on a 375 px screen (overflow ${overflow} px)`);
  }
  await page.goto(`${api.url}/rollouts/${id}`);
  t.comment(`screenshot: ${await screenshot(t, page, "rollout-375px")}`);
});
