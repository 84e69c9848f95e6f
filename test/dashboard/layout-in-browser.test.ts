// How the dashboard lays out in a real browser (issue 12, item 17): a long
// resource title breaks only where it has to, never mid-word while the line
// has room, and on a phone-sized screen the page does not overflow sideways
// (wide tables scroll inside themselves), the release pages' long versions
// and paths included.
import t from "tap";
import { browserMissing, logIn, openBrowser, screenshot } from "../helpers/browser.js";
import { startTestApi } from "../server/_helpers.js";

const skip = browserMissing();

t.test("titles break between words only when needed; nothing overflows a phone screen", { skip }, async (t) => {
  const api = await startTestApi(t);
  const certname = "web-frontend-europe-west-01.example.org";
  for (let i = 0; i < 30; i++) await api.store.nodes.recordCheckin(i === 0 ? certname : `web-${String(i).padStart(2, "0")}.example.org`, { os: { family: "debian" }, rack: `r${i % 4}` }, new Date());
  // A release: a 116-character version, a long subject and a deep path, none with room to spare.
  const version = `git:${"c3".repeat(20)}+sha256:${"3".repeat(64)}`;
  const deep = `modules/${"nginx-frontend-".repeat(6)}/templates/sites-available/default.conf.tmpl`;
  await api.store.releases.saveRelease({
    version,
    commit: "c3".repeat(20),
    author: "Ada Lovelace <ada@example.com>",
    subject: "nginx: raise worker_connections for the europe-west frontends",
    firstSeenAt: new Date(),
    files: 2,
    bytes: 4096,
    manifest: [
      { path: deep, sha256: "a".repeat(64), size: 4096, mode: 0o644 },
      { path: "current", sha256: "b".repeat(64), size: 0, mode: 0o777, link: deep },
    ],
  });
  const context = await openBrowser(t);
  const page = await logIn(context, api.url, api.tokens.viewer, `/nodes/${certname}`);

  const heading = page.locator("h1").first();
  const lines = await heading.evaluate((h) => Math.round(h.getBoundingClientRect().height / parseFloat(getComputedStyle(h).lineHeight || "24")));
  t.equal(lines, 1, "the node name fits on one line at desktop width, unbroken");
  t.not(await heading.evaluate((h) => getComputedStyle(h).wordBreak), "break-all", "no mid-word breaking rule");

  await page.setViewportSize({ width: 375, height: 740 });
  for (const path of ["/", `/nodes/${certname}`, "/certificates", "/releases", `/releases/${encodeURIComponent(version)}`]) {
    await page.goto(`${api.url}${path}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    t.ok(overflow <= 0, `${path} does not scroll sideways on a 375 px screen (overflow ${overflow} px)`);
  }
  await screenshot(t, page, "certificates-375px.png");
});
