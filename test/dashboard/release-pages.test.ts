// The release pages against a real API, store and rollout controller: the
// list (newest first, with the git labels, size and where each release is in
// use: an environment's stable release, the target of a rollout under way),
// one release with its labels and its files (a symlink as `path -> target`),
// both paged; the dashboard's 404 page for a version that is not kept; and the
// links to a release from the rollout and node pages.
import t from "tap";
import type { ReleaseRecord } from "../../server/store/store.js";
import { startTestApi } from "../server/_helpers.js";
import { fetchPage, startRolloutApi, V1, V2, type FleetNode } from "./_helpers.js";

const SHORT_V1 = `${"a1".repeat(6)}+${"1".repeat(12)}`;
const SHORT_V2 = `${"b2".repeat(6)}+${"2".repeat(12)}`;
const COMMIT_V3 = "c3".repeat(20);
const V3 = `git:${COMMIT_V3}+sha256:${"3".repeat(64)}`;
const SHORT_V3 = `${"c3".repeat(6)}+${"3".repeat(12)}`;

const FLEET: FleetNode[] = [
  { certname: "web-01", environment: "production", canary: true },
  { certname: "web-02", environment: "production" },
  { certname: "stage-01", environment: "staging" },
];

/** An hour older than V1 and V2: a git release with its labels, a module file, a script and a symlink. */
function v3(firstSeenAt: Date): ReleaseRecord {
  return {
    version: V3,
    commit: COMMIT_V3,
    author: "Ada Lovelace <ada@example.com>",
    subject: "nginx: raise worker_connections",
    firstSeenAt,
    files: 3,
    bytes: 2_501_536,
    manifest: [
      { path: "bin/deploy.sh", sha256: "d".repeat(64), size: 2_500_000, mode: 0o755 },
      { path: "current", sha256: "e".repeat(64), size: 0, mode: 0o777, link: "modules/nginx" },
      { path: "modules/nginx/module.yaml", sha256: "f".repeat(64), size: 1536, mode: 0o644 },
    ],
  };
}

const escapeRegex = (s: string): string => s.replace(/[+.]/g, (c) => `\\${c}`);
const releaseHref = (v: string): string => `/releases/${encodeURIComponent(v)}`;

/** The HTML of the row of `version` in the releases table. */
function row(page: string, version: string): string {
  const m = new RegExp(`<tr data-version="${escapeRegex(version)}">([\\s\\S]*?)</tr>`).exec(page);
  if (!m) throw new Error(`no row for ${version}`);
  return m[1];
}

t.test("the list: newest first, short versions linked, labels, size, and where each is in use", async (t) => {
  const api = await startRolloutApi(t, FLEET);
  await api.store.releases.saveRelease(v3(new Date(api.clock.wall - 3_600_000)));
  const rollout = await api.controller.startRollout({ environment: "production", release: V2, by: "token:1 (ops)" });

  const list = await fetchPage(api, "/releases", { token: api.tokens.viewer });
  t.equal(list.status, 200);
  t.match(list.text, '<a href="/releases" class="here">Releases</a>', "reached from the top bar");
  t.same(
    [...list.text.matchAll(/<tr data-version="([^"]+)">/g)].map((m) => m[1]),
    [V2, V1, V3],
    "newest first seen first",
  );

  const labelled = row(list.text, V3);
  t.match(labelled, `<a href="${releaseHref(V3)}"><code title="${V3}">${SHORT_V3}</code></a>`, "the short version (as the CLI prints it) links to the release, whole on hover");
  t.match(labelled, `<code title="${COMMIT_V3}">${COMMIT_V3.slice(0, 12)}</code>`, "the commit, short");
  t.match(labelled, "Ada Lovelace &lt;ada@example.com&gt;", "the author");
  t.match(labelled, "nginx: raise worker_connections", "the subject");
  t.match(labelled, /<time datetime="[^"]+" title="[^"]+">1 h ago<\/time>/, "first seen");
  t.match(labelled, '<td class="num">3</td>', "files");
  t.match(labelled, '<span title="2,501,536 bytes">2.4 MiB</span>', "the size, the exact bytes on hover");
  t.match(labelled, /<td class="wrap"><span class="muted">—<\/span><\/td>$/, "in use nowhere");

  const stable = row(list.text, V1);
  t.match(
    stable,
    '<div>stable in <a href="/rollouts?environment=production">production</a></div><div>stable in <a href="/rollouts?environment=staging">staging</a></div>',
    "the stable release of both environments",
  );
  t.match(stable, /<td><span class="muted">—<\/span><\/td>/, "no commit: a dash");
  const target = row(list.text, V2);
  t.match(target, `<div>target of <a href="/rollouts/${rollout.id}">rollout ${rollout.id}</a> <span class="badge s-running">running</span></div>`, "the target of the rollout under way");
  t.notMatch(target, "stable in", "not a stable release while it rolls out");

  // Once the rollout has ended, the target is production's stable release and no rollout's target.
  await api.controller.end(rollout.id, "token:1 (ops)", "abort");
  const after = await fetchPage(api, "/releases", { token: api.tokens.viewer });
  t.notMatch(row(after.text, V2), "target of", "an ended rollout is not listed");
  t.match(row(after.text, V1), 'stable in <a href="/rollouts?environment=production">', "aborted: production stays on V1");
});

t.test("one release: its labels, where it is in use, and its files", async (t) => {
  const api = await startRolloutApi(t, FLEET);
  await api.store.releases.saveRelease(v3(new Date(api.clock.wall - 3_600_000)));
  const viewer = { token: api.tokens.viewer };

  const res = await fetchPage(api, releaseHref(V3), viewer);
  t.equal(res.status, 200);
  const detail = res.text;
  t.match(detail, `<title>Release ${SHORT_V3} · Ancla</title>`);
  t.match(detail, `<h1>Release <code title="${V3}">${SHORT_V3}</code></h1>`);
  t.match(detail, `<code id="version">${V3}</code>`, "the whole version");
  t.match(detail, `<dd class="wrap" id="commit"><code>${COMMIT_V3}</code></dd>`, "the whole commit");
  t.match(detail, '<dd class="wrap" id="author">Ada Lovelace &lt;ada@example.com&gt;</dd>');
  t.match(detail, '<dd class="wrap" id="subject">nginx: raise worker_connections</dd>');
  t.match(detail, '<dd id="size">3 files, <span title="2,501,536 bytes">2.4 MiB</span></dd>');
  t.match(detail, /<dd class="wrap" id="in-use"><span class="muted">—<\/span><\/dd>/);
  t.match(detail, '<a href="/releases" class="here">Releases</a>');
  t.match(detail, '<h2 id="files">Files (3)</h2>');
  const rows = [...(/id="release-files"[\s\S]*?<\/table>/.exec(detail)?.[0] ?? "").matchAll(/<tr><td>([\s\S]*?)<\/tr>/g)].map((m) => m[1]);
  t.equal(rows.length, 3, "a row per file");
  t.match(rows[0], /<code>0755<\/code>.*<span title="2,500,000 bytes">2\.4 MiB<\/span>.*<code title="d{64}">d{12}<\/code>.*<code>bin\/deploy\.sh<\/code>/, "mode, size, short sha256, path");
  t.match(rows[1], /<code>0777<\/code>.*<code>current -&gt; modules\/nginx<\/code>/, "a symlink as path -> target");
  t.match(rows[2], /<code>0644<\/code>.*<span title="1,536 bytes">1\.5 KiB<\/span>.*<code>modules\/nginx\/module\.yaml<\/code>/);
  t.notMatch(detail, 'class="pager"', "three files: one page");

  const stable = (await fetchPage(api, releaseHref(V1), viewer)).text;
  t.match(stable, '<dd class="wrap" id="commit"><span class="muted">none (the site is not a git repository)</span></dd>', "no git labels");
  t.match(stable, /<dd class="wrap" id="in-use"><div>stable in <a href="\/rollouts\?environment=production">production<\/a><\/div><div>stable in /);
  t.match(stable, '<p class="muted">No file.</p>');
});

t.test("a long release and a long list are paged; a version that is not kept gets the 404 page", async (t) => {
  const api = await startTestApi(t);
  const version = `sha256:${"4".repeat(64)}`;
  const manifest = Array.from({ length: 450 }, (_, i) => ({ path: `files/f-${String(i).padStart(3, "0")}.txt`, sha256: "a".repeat(64), size: i, mode: 0o644 }));
  await api.store.releases.saveRelease({ version, firstSeenAt: new Date(), files: manifest.length, bytes: 0, manifest });
  const viewer = { token: api.tokens.viewer };
  const href = releaseHref(version);
  const paths = (text: string): string[] => [...text.matchAll(/<code>(files\/f-\d+\.txt)<\/code>/g)].map((m) => m[1]);

  const first = (await fetchPage(api, href, viewer)).text;
  t.match(first, '<h2 id="files">Files (450)</h2>');
  t.equal(paths(first).length, 200, "200 files a page");
  t.equal(paths(first)[0], "files/f-000.txt");
  t.match(first, /Page 1 of 3\s*<a href="\/releases\/sha256%3A4{64}\?files=2#files">next →<\/a>/, "a link to the next page");
  const last = (await fetchPage(api, `${href}?files=3`, viewer)).text;
  t.same([paths(last).length, paths(last)[0]], [50, "files/f-400.txt"], "the last page");
  t.match(last, /<a href="\/releases\/sha256%3A4{64}\?files=2#files">← previous<\/a>/);

  // A server without rollouts: no release is any environment's, so no "in use".
  const list = (await fetchPage(api, "/releases", viewer)).text;
  t.match(list, `<a href="${href}"><code title="${version}">sha256:${"4".repeat(12)}</code></a>`, "a release of a site that is not a git repository");
  t.notMatch(list, "<th>In use</th>");
  t.notMatch(first, 'id="in-use"');

  for (const missing of [`sha256:${"9".repeat(64)}`, "sha256:4444"]) {
    const res = await fetchPage(api, releaseHref(missing), viewer);
    t.equal(res.status, 404, `${missing} is not kept`);
    t.match(res.text, "<h1>Not found</h1>", "the dashboard's 404 page");
    t.match(res.text, `<p class="error">no release ${missing} is kept: the releases page lists the kept ones</p>`);
  }
  // Retention deleted it: gone from the list, and its page is the 404 page.
  await api.store.releases.deleteRelease(version);
  t.equal((await fetchPage(api, href, viewer)).status, 404, "a release retention deleted");
  t.match((await fetchPage(api, "/releases", viewer)).text, 'id="no-releases"', "no release left");
  t.equal((await fetchPage(api, "/releases")).status, 303, "without a session or token: to the login page");

  // More than a page of releases (retention runs hourly): 100 a page, newest first.
  const base = Date.now();
  for (let i = 0; i < 101; i++)
    await api.store.releases.saveRelease({ version: `sha256:${i.toString(16).padStart(64, "0")}`, firstSeenAt: new Date(base - i * 1000), files: 0, bytes: 0, manifest: [] });
  const rowsOf = (text: string): string[] => [...text.matchAll(/<tr data-version="([^"]+)">/g)].map((m) => m[1]);
  const newest = (await fetchPage(api, "/releases", viewer)).text;
  t.equal(rowsOf(newest).length, 100);
  t.match(newest, /Page 1 of 2\s*<a href="\/releases\?page=2">next →<\/a>/);
  t.same(rowsOf((await fetchPage(api, "/releases?page=2", viewer)).text), [`sha256:${(100).toString(16).padStart(64, "0")}`], "the oldest on the second page");
});

t.test("the rollout and node pages link their releases to the release pages", async (t) => {
  const api = await startRolloutApi(t, FLEET);
  const rollout = await api.controller.startRollout({ environment: "production", release: V2, by: "token:1 (ops)" });
  const viewer = { token: api.tokens.viewer };
  const link = (v: string, short: string): string => `<a href="${releaseHref(v)}"><code title="${v}">${short}</code></a>`;
  const fromTo = `${link(V1, SHORT_V1)} → ${link(V2, SHORT_V2)}`;
  t.match((await fetchPage(api, "/rollouts", viewer)).text, fromTo, "the rollout list's from → to");
  t.match((await fetchPage(api, `/rollouts/${rollout.id}`, viewer)).text, `<dd id="release">${fromTo}</dd>`, "the rollout page's from → to");
  t.match((await fetchPage(api, "/nodes/stage-01", viewer)).text, `<dd id="release">${link(V1, SHORT_V1)} <span class="muted">(its current catalog's)</span>`, "the node page's release");
});
