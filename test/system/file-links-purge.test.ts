// Links, purge, the content bucket and report diffs, by the agent inside a
// real Debian root (as root, with the root's own users and state dir).
import { lstatSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { sha256Hex } from "../../catalog/canonical.js";
import type { Resource } from "../../catalog/model.js";
import { catalogOf } from "../agent/_helpers.js";
import { rootTest, type Report } from "./debian-root.js";

const f = (title: string, properties: Resource["properties"] = {}): Resource => ({ type: "file", title, properties });

/** The report fields this test reads beyond the shared Report shape. */
type FullReport = Omit<Report, "events"> & {
  events?: (NonNullable<Report["events"]>[number] & { diff?: string })[];
  timings?: { resource: string; durationMs?: number }[];
};

rootTest("links replace and retarget, purge keeps what is managed, old content goes to the bucket", async (root, t) => {
  root.sh("mkdir -p /etc/app.d/local && echo stray > /etc/app.d/stray.conf && echo old > /etc/app.d/local/old.conf && echo 'listen 80' > /etc/app.d/main.conf && ln -s /etc/passwd /etc/app.d/escape");
  const site = (port: number, zone: string) =>
    catalogOf([
      f("/etc/app.d", { ensure: "directory", purge: true, mode: "0755" }),
      f("/etc/app.d/main.conf", { content: `listen ${port}\n` }),
      f("/etc/app.d/local/keep.conf", { content: "kept\n" }),
      f("/etc/localtime", { ensure: "link", target: `/usr/share/zoneinfo/${zone}` }),
      f("/usr/local/bin/app-shell", { ensure: "link", target: "/bin/sh", owner: "nobody", group: "nogroup" }),
    ]);

  const first = root.apply(site(8080, "UTC"));
  t.equal(first.code, 2, first.stderr + JSON.stringify(first.report.events));
  const report = first.report as FullReport;
  t.same(
    report.events?.filter((e) => e.property === "ensure" && e.desired === '"absent"').map((e) => [e.resource, e.actual]),
    [
      ["file:/etc/app.d/escape", '"link"'],
      ["file:/etc/app.d/local/old.conf", '"file"'],
      ["file:/etc/app.d/stray.conf", '"file"'],
    ],
    "each unmanaged path purged, the managed file's ancestor kept",
  );
  t.same(readdirSync(root.at("etc/app.d")).sort(), ["local", "main.conf"]);
  t.same(readdirSync(root.at("etc/app.d/local")), ["keep.conf"]);
  t.ok(lstatSync(root.at("etc/passwd")).isFile(), "the purged link's target is untouched");
  t.equal(readlinkSync(root.at("etc/localtime")), "/usr/share/zoneinfo/UTC");
  const shell = lstatSync(root.at("usr/local/bin/app-shell"));
  t.same([shell.isSymbolicLink(), root.sh("stat -c %U:%G /usr/local/bin/app-shell").stdout], [true, "nobody:nogroup\n"], "the link itself is owned");
  t.equal(report.events?.find((e) => e.resource === "file:/etc/app.d/main.conf")?.diff, "--- /etc/app.d/main.conf\n+++ /etc/app.d/main.conf\n@@ -1,1 +1,1 @@\n-listen 80\n+listen 8080\n");
  for (const old of ["listen 80\n", "stray\n", "old\n"]) {
    t.equal(readFileSync(root.at(`var/lib/ancla/bucket/${sha256Hex(old)}`), "utf8"), old, `kept: ${JSON.stringify(old)}`);
  }
  t.same(
    report.timings?.map((x) => x.resource),
    site(8080, "UTC").resources.map((r) => `file:${r.title}`),
    "a timing for every resource, in catalog order",
  );

  const second = root.apply(site(8080, "UTC"));
  t.equal(second.code, 0, `nothing left to do: ${JSON.stringify(second.report.events)}`);

  root.sh("echo again > /etc/app.d/new-stray");
  const noop = root.apply(site(8080, "Europe/Paris"), "--noop");
  t.same(
    noop.report.events?.map((e) => [e.resource, e.property, e.result]),
    [
      ["file:/etc/app.d/new-stray", "ensure", "noop"],
      ["file:/etc/localtime", "target", "noop"],
    ],
  );
  t.equal(root.sh("cat /etc/app.d/new-stray").stdout, "again\n", "noop purged nothing");
  t.equal(readlinkSync(root.at("etc/localtime")), "/usr/share/zoneinfo/UTC", "noop retargeted nothing");

  const retarget = root.apply(site(8080, "Europe/Paris"));
  t.equal(retarget.code, 2, retarget.stderr);
  t.equal(readlinkSync(root.at("etc/localtime")), "/usr/share/zoneinfo/Europe/Paris");
  t.match(root.sh("date +%Z").stdout, /^CES?T\n$/, "the root's clock now reads Paris time");
  t.equal(root.sh("test -e /etc/app.d/new-stray").code, 1);
});
