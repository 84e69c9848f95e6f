// Services against systemd itself: the Debian root booted under
// systemd-nspawn, the agent run inside it. And the same catalog in a plain
// chroot, where systemd is not running: enable still works (systemctl edits
// the links offline), whether the service runs is reported unknown.
import { existsSync, readlinkSync } from "node:fs";
import type { Resource } from "../../catalog/model.js";
import { catalogOf } from "../agent/_helpers.js";
import { commandExists, rootTest } from "./debian-root.js";

const unit = (description: string) => `[Unit]\nDescription=${description}\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n`;

function site(description: string, service: Resource["properties"]) {
  return catalogOf(
    [
      { type: "file", title: "/etc/systemd/system/demo.service", properties: { content: unit(description), mode: "0644" } },
      { type: "service", title: "demo", properties: service },
    ],
    [{ from: "file:/etc/systemd/system/demo.service", to: "service:demo", kind: "notify" }],
  );
}

rootTest("in a chroot: enable is made offline, running is unknown, a refresh is unknown", async (root, t) => {
  const run = root.apply(site("demo", { ensure: "running", enable: true }));
  t.equal(run.code, 2, run.stderr);
  t.same(
    run.report.events?.map((e) => [e.resource, e.property, e.result]),
    [
      ["file:/etc/systemd/system/demo.service", "ensure", "changed"],
      ["service:demo", "ensure", "unknown"],
      ["service:demo", "enable", "changed"],
      ["service:demo", "refresh", "unknown"],
    ],
  );
  t.match(run.report.events?.[1].message, /systemd is not running here/);
  t.equal(readlinkSync(root.at("etc/systemd/system/multi-user.target.wants/demo.service")), "/etc/systemd/system/demo.service");
  const again = root.apply(site("demo", { ensure: "running", enable: true }));
  t.equal(again.code, 0, "enable in sync; running still unknown, not a change");
  t.same(
    again.report.events?.map((e) => e.result),
    ["unknown"],
  );
});

const noNspawn = commandExists("systemd-nspawn") ? false : "systemd-nspawn is missing (apt-get install systemd-container): services under a running systemd are not tested";
rootTest(
  "under a booted systemd: start, enable, daemon-reload and restart on a unit change, stop",
  async (root, t) => {
    await root.boot();
    const pid = () => root.sh("systemctl show -p MainPID --value demo").stdout.trim();

    const first = root.apply(site("demo v1", { ensure: "running", enable: true }));
    t.equal(first.code, 2, first.stderr + JSON.stringify(first.report.events));
    t.equal(root.sh("systemctl is-active demo").stdout, "active\n");
    t.equal(root.sh("systemctl is-enabled demo").stdout, "enabled\n");
    t.same(first.report.events?.find((e) => e.property === "refresh")?.message, "not restarted: started in this run (notified by file:/etc/systemd/system/demo.service)");
    const before = pid();

    t.equal(root.apply(site("demo v1", { ensure: "running", enable: true })).code, 0, "in sync");

    const edited = root.apply(site("demo v2", { ensure: "running", enable: true }));
    t.equal(edited.code, 2, edited.stderr);
    t.equal(root.sh("systemctl show -p Description --value demo").stdout, "demo v2\n", "daemon-reload: systemd read the new unit");
    t.not(pid(), before, "restarted on refresh");

    root.sh("systemctl stop demo");
    const drift = root.apply(site("demo v2", { ensure: "running", enable: true }));
    t.same(
      drift.report.events?.map((e) => [e.property, e.actual, e.corrective]),
      [["ensure", '"stopped"', true]],
      "a stopped service is drift, and started again",
    );

    const stopped = root.apply(site("demo v2", { ensure: "stopped", enable: false }));
    t.equal(stopped.code, 2);
    t.equal(root.sh("systemctl is-active demo").stdout, "inactive\n");
    t.equal(root.sh("systemctl is-enabled demo").stdout, "disabled\n");
    t.notOk(existsSync(root.at("etc/systemd/system/multi-user.target.wants/demo.service")));
  },
  { chroot: false, skip: noNspawn },
);
