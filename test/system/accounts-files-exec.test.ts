// Users, groups, files with owners and guarded commands, made by the agent
// inside a real Debian root with the real shadow utilities.
import { readFileSync, statSync } from "node:fs";
import type { Resource } from "../../catalog/model.js";
import { catalogOf } from "../agent/_helpers.js";
import { rootTest } from "./debian-root.js";

const r = (type: string, title: string, properties: Resource["properties"] = {}): Resource => ({ type, title, properties });

rootTest("groups and users: create, change, remove; files owned by them", async (root, t) => {
  const site = (user: Resource["properties"], extra: Resource[] = []) =>
    catalogOf([
      r("group", "web", { ensure: "present", gid: 2100 }),
      r("group", "ops", { ensure: "present", system: true }),
      r("user", "deploy", { ensure: "present", uid: 2100, gid: "web", groups: ["ops"], home: "/srv/deploy", shell: "/bin/bash", comment: "Deploy", managehome: true, ...user }),
      r("file", "/srv/deploy/app.conf", { content: "port=8080\n", owner: "deploy", group: "web", mode: "0640" }),
      ...extra,
    ]);

  const first = root.apply(site({}));
  t.equal(first.code, 2, first.stderr + JSON.stringify(first.report.events));
  t.equal(root.sh("getent passwd deploy").stdout, "deploy:x:2100:2100:Deploy:/srv/deploy:/bin/bash\n");
  t.match(root.sh("id -nG deploy").stdout, /^web ops\n$/);
  t.ok(Number(root.sh("getent group ops | cut -d: -f3").stdout) < 1000, "ops is a system group");
  const conf = statSync(root.at("srv/deploy/app.conf"));
  t.same([conf.uid, conf.gid, conf.mode & 0o777], [2100, 2100, 0o640], "the file belongs to the new user and group");
  t.equal(readFileSync(root.at("srv/deploy/app.conf"), "utf8"), "port=8080\n");
  t.equal(root.apply(site({})).code, 0, "second run: nothing to do");

  const changed = root.apply(site({ shell: "/bin/sh", uid: 2101 }));
  t.equal(changed.code, 2, changed.stderr);
  t.same(
    changed.report.events?.map((e) => [e.resource, e.property]),
    [
      ["user:deploy", "uid"],
      ["user:deploy", "shell"],
    ],
  );
  t.equal(root.sh("getent passwd deploy").stdout, "deploy:x:2101:2100:Deploy:/srv/deploy:/bin/sh\n");
  t.equal(statSync(root.at("srv/deploy/app.conf")).uid, 2101, "usermod -u moved the files in the home along; the file is in sync");

  root.sh("usermod -s /bin/dash deploy");
  const drift = root.apply(site({ shell: "/bin/sh", uid: 2101 }));
  t.same(
    drift.report.events?.map((e) => [e.property, e.actual, e.corrective]),
    [["shell", '"/bin/dash"', true]],
    "a hand edit is corrected, as drift",
  );

  const removed = root.apply(
    catalogOf([r("file", "/srv/deploy/app.conf", { ensure: "absent" }), r("user", "deploy", { ensure: "absent", managehome: true }), r("group", "web", { ensure: "absent" })]),
  );
  t.equal(removed.code, 2, removed.stderr);
  t.equal(root.sh("getent passwd deploy").code, 2, "the user is gone");
  t.equal(root.sh("getent group web").code, 2, "the group is gone");
  t.equal(root.sh("test -e /srv/deploy").code, 1, "managehome removed the home");
});

rootTest("guarded commands: creates, unless, onlyif, refreshonly, user, environment", async (root, t) => {
  const site = (version: string) =>
    catalogOf(
      [
        r("user", "svc", { ensure: "present" }),
        r("exec", "init-data", { command: "mkdir -p /var/lib/app && echo $GREETING > /var/lib/app/seed", creates: "/var/lib/app/seed", environment: { GREETING: "hello" } }),
        r("exec", "count-runs", { command: "echo x >> /tmp/runs", unless: "grep -q x /tmp/runs" }),
        r("exec", "only-with-seed", { command: "touch /tmp/seeded", onlyif: "test -s /var/lib/app/seed", unless: "test -e /tmp/seeded" }),
        r("exec", "as-svc", { command: "id -un > /tmp/whoami-$(id -un)", user: "svc", cwd: "/tmp", creates: "/tmp/whoami-svc" }),
        r("file", "/etc/app.conf", { content: `version=${version}\n` }),
        r("exec", "reload-app", { command: "echo reload >> /tmp/reloads", refreshonly: true }),
      ],
      [{ from: "file:/etc/app.conf", to: "exec:reload-app", kind: "notify" }],
    );

  const first = root.apply(site("1"));
  t.equal(first.code, 2, first.stderr + JSON.stringify(first.report.events));
  t.equal(root.sh("cat /var/lib/app/seed").stdout, "hello\n");
  t.equal(root.sh("cat /tmp/whoami-svc").stdout, "svc\n", "ran as svc");
  t.equal(root.sh("cat /tmp/reloads").stdout, "reload\n");
  t.equal(root.sh("test -e /tmp/seeded").code, 0);

  const second = root.apply(site("1"));
  t.equal(second.code, 0, `guards hold: ${JSON.stringify(second.report.events)}`);
  t.equal(root.sh("cat /tmp/runs").stdout, "x\n");
  t.equal(root.sh("cat /tmp/reloads").stdout, "reload\n", "not notified, not run");

  t.equal(root.apply(site("2")).code, 2);
  t.equal(root.sh("cat /tmp/reloads").stdout, "reload\nreload\n", "a changed file notifies once");
});
