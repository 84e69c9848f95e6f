// A real package from the Debian mirror, installed and removed by the agent
// running inside a debootstrapped root: one apt-get per run, dpkg agrees,
// noop touches nothing, the second run is quiet.
import { existsSync } from "node:fs";
import { catalogOf } from "../agent/_helpers.js";
import { rootTest } from "./debian-root.js";

rootTest("install, keep, and remove GNU hello", async (root, t) => {
  t.equal(root.sh("apt-get update -qq").code, 0, "package lists refreshed");
  const hello = (ensure: string) => catalogOf([{ type: "package", title: "hello", properties: { ensure } }]);

  const noop = root.apply(hello("installed"), "--noop");
  t.equal(noop.code, 0, noop.stderr);
  t.same(
    noop.report.events?.map((e) => [e.property, e.actual, e.result]),
    [["ensure", '"absent"', "noop"]],
  );
  t.notOk(existsSync(root.at("usr/bin/hello")), "noop installed nothing");

  const install = root.apply(hello("installed"));
  t.equal(install.code, 2, install.stderr);
  t.equal(root.sh("hello").stdout, "Hello, world!\n");
  t.equal(root.sh("dpkg-query -W -f '${Status}' hello").stdout, "install ok installed");

  const again = root.apply(hello("installed"));
  t.equal(again.code, 0, "second run: in sync, no apt call");
  const version = root.sh("dpkg-query -W -f '${Version}' hello").stdout;
  t.equal(root.apply(hello(version)).code, 0, "a pinned version that is installed is in sync");
  t.equal(root.apply(hello("latest")).code, 0, "the candidate is installed: latest is in sync");

  const remove = root.apply(hello("absent"));
  t.equal(remove.code, 2, remove.stderr);
  t.same(
    remove.report.events?.map((e) => [e.actual, e.desired]),
    [[JSON.stringify(version), '"absent"']],
  );
  t.notOk(existsSync(root.at("usr/bin/hello")));
});

rootTest("a package that does not exist fails with apt's words, and only it", async (root, t) => {
  const run = root.apply(
    catalogOf([
      { type: "package", title: "no-such-package-anywhere", properties: { ensure: "installed" } },
      { type: "file", title: "/etc/motd", properties: { content: "managed\n" } },
    ]),
  );
  t.equal(run.code, 6, run.stderr);
  t.match(run.report.events?.[0], { result: "failed", message: /apt-get exited with 100: .*Unable to locate package no-such-package-anywhere/s });
});
