// Noop on a fresh host: a file owned by a user (or group) that the same run
// would create, and that the file requires (here explicitly, or by
// autorequire), is a pending change, not a failure. A real run is unchanged: a
// file whose account is missing and not made first fails. The accounts are
// names this machine does not have, and no run here creates them.
import t from "tap";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Resource } from "../../catalog/model.js";
import { cli } from "../helpers/processes.js";
import { snapshot } from "./_helpers.js";

const USER = `ancla-pending-u${process.pid}`;
const GROUP = `ancla-pending-g${process.pid}`;

interface ReportJson {
  status: string;
  noop: boolean;
  events?: { resource: string; property: string; desired?: string; actual?: string; result: string }[];
  counts?: { failed?: number };
}

/** `ancla-agent apply --catalog` on a catalog body written into `dir`. */
async function applyBody(dir: string, resources: Resource[], edges: { from: string; to: string; kind: string }[], ...flags: string[]) {
  writeFileSync(join(dir, "catalog.json"), JSON.stringify({ certname: "web-01", siteVersion: "v1", resources, edges }));
  const result = await cli("agent", ["apply", "--catalog", join(dir, "catalog.json"), "--state-dir", join(dir, "state"), "--facts-dir", join(dir, "none"), "--json", ...flags]);
  return { code: result.code, stderr: result.stderr, report: JSON.parse(result.stdout || "{}") as ReportJson };
}

t.test("noop: files owned by a user and a group the run would create are pending changes, and nothing changes", async (t) => {
  t.notOk(readFileSync("/etc/passwd", "utf8").includes(`\n${USER}:`), "the user does not exist here");
  const dir = t.testdir({ tree: { "existing.conf": "kept\n" } });
  const tree = join(dir, "tree");
  const existing = join(tree, "existing.conf");
  const fresh = join(tree, "fresh.conf");
  const resources: Resource[] = [
    { type: "group", title: GROUP, properties: { ensure: "present" } },
    { type: "user", title: USER, properties: { ensure: "present" } },
    { type: "file", title: existing, properties: { content: "kept\n", owner: USER } },
    // Requires the group by autorequire only.
    { type: "file", title: fresh, properties: { content: "new\n", group: GROUP } },
  ];
  const before = await snapshot(tree);
  const { code, stderr, report } = await applyBody(dir, resources, [{ from: `user:${USER}`, to: `file:${existing}`, kind: "require" }], "--noop");
  t.equal(code, 0, `a noop run with no failure exits 0: ${stderr}`);
  t.equal(report.status, "noop", "changes are pending");
  t.equal(report.counts?.failed ?? 0, 0);
  t.same(
    report.events?.map((e) => [e.resource, e.property, e.actual, e.desired, e.result]),
    [
      [`group:${GROUP}`, "ensure", '"absent"', '"present"', "noop"],
      [`user:${USER}`, "ensure", '"absent"', '"present"', "noop"],
      [`file:${existing}`, "owner", '"root"', JSON.stringify(USER), "noop"],
      [`file:${fresh}`, "ensure", '"absent"', '"file"', "noop"],
    ],
  );
  t.same(await snapshot(tree), before, "nothing on disk changed");
  t.notOk(readFileSync("/etc/passwd", "utf8").includes(`\n${USER}:`), "nor was the user created");
});

t.test("noop: a user the catalog does not manage is still a failure", async (t) => {
  const dir = t.testdir({ tree: {} });
  const path = join(dir, "tree/orphan.conf");
  const { code, report } = await applyBody(dir, [{ type: "file", title: path, properties: { content: "x\n", owner: USER } }], [], "--noop");
  t.equal(code, 4);
  t.match(report.events, [{ resource: `file:${path}`, property: "owner", result: "failed" }]);
});

t.test("a real run whose user is only noop'd (not created first) fails the file, as before", async (t) => {
  const dir = t.testdir({ tree: {} });
  const path = join(dir, "tree/app.conf");
  const resources: Resource[] = [
    { type: "user", title: USER, properties: { ensure: "present" }, noop: true },
    { type: "file", title: path, properties: { content: "x\n", owner: USER } },
  ];
  const { code, report } = await applyBody(dir, resources, [{ from: `user:${USER}`, to: `file:${path}`, kind: "require" }]);
  t.equal(code, 4);
  t.match(report.events, [
    { resource: `user:${USER}`, result: "noop" },
    { resource: `file:${path}`, property: "owner", result: "failed" },
  ]);
  t.notOk(readFileSync("/etc/passwd", "utf8").includes(`\n${USER}:`));
});
