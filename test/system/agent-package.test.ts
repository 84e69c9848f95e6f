// The ancla-agent .deb on a real Debian root booted under systemd: install
// (no Node.js on the host), enrol against a real server on loopback, run once,
// enable the unit and see the daemon converge, upgrade (certificate, edited
// configuration and enablement kept, agent restarted), purge (state gone).
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFleet, writeFilesSite, type Fleet } from "../helpers/fleet.js";
import { rootTest, type DebianRoot } from "./debian-root.js";
import { bootHost, buildAgentDebs, eventually, packageTestSkip } from "./_packages.js";
import { workDir } from "../helpers/processes.js";

const CERTNAME = "pkg-01";
const TREE = "/var/tmp/ancla-pkg";

function contentOf(root: DebianRoot, name: string): string {
  const path = root.at(join(TREE, CERTNAME, name));
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

rootTest(
  "the agent package installs, enrols, runs as a service, upgrades in place and purges clean",
  async (root, t) => {
    const base = workDir(t);
    t.setTimeout(600_000);
    const [v1, v2] = await buildAgentDebs(base, "0.1.0", "0.1.1");
    const siteDir = join(base, "site");
    writeFilesSite(siteDir, TREE, 3, "v1");
    const fleet: Fleet = await startFleet(base, siteDir);
    t.teardown(() => fleet.stop());

    await bootHost(root);
    copyFileSync(v1, root.at("root/ancla-agent_0.1.0.deb"));
    copyFileSync(v2, root.at("root/ancla-agent_0.1.1.deb"));

    const install = root.sh("dpkg -i /root/ancla-agent_0.1.0.deb");
    t.equal(install.code, 0, install.stderr);
    t.match(install.stdout, /not enrolled yet/, "postinst says how to enrol");
    t.notMatch(root.sh("dpkg-query -W -f '${Depends}' ancla-agent").stdout, /node/, "no dependency on Node.js");
    t.match(root.sh("head -c 4 /usr/bin/ancla-agent | od -c").stdout, /177\s+E\s+L\s+F/, "the agent is one executable, not a script for a Node.js");
    t.equal(root.sh("systemctl is-enabled ancla-agent").stdout.trim(), "disabled", "not enabled before enrolment");
    const verify = root.sh("systemd-analyze verify /lib/systemd/system/ancla-agent.service 2>&1");
    t.equal(verify.code, 0, verify.stdout);
    t.notMatch(verify.stdout, /ancla-agent/, "systemd-analyze has nothing to say about the unit");
    t.ok(existsSync(root.at("usr/share/man/man8/ancla-agent.8.gz")), "the manual page is installed");

    const token = await fleet.token();
    const bootstrap = root.sh(`ancla-agent bootstrap --server ${fleet.server.grpc} --ca-fingerprint ${fleet.fingerprint} --token ${token} --certname ${CERTNAME}`);
    t.equal(bootstrap.code, 0, bootstrap.stderr);
    t.equal(root.sh(`mkdir -p ${TREE}`).code, 0, "the site manages folders below this one");
    const once = root.sh("ancla-agent run --once");
    t.equal(once.code, 2, once.stderr);
    t.notMatch(bootstrap.stderr + once.stderr, /\(node:\d+\) \w*Warning/, "the executable starts without Node warnings (its code cache is accepted)");
    t.match(contentOf(root, "f001.conf"), /v1 for pkg-01/, "run --once converged from the server");

    // Runs every 2 s without splay, so the test sees the daemon work.
    writeFileSync(root.at("etc/ancla/agent.yaml"), "run_interval: 2\nsplay: 0\n");
    writeFilesSite(siteDir, TREE, 3, "v2");
    t.equal(root.sh("systemctl enable --now ancla-agent").code, 0);
    await eventually(t, "the service converged the new site version", () => /v2 for pkg-01/.test(contentOf(root, "f001.conf")));
    const pidBefore = root.sh("systemctl show -p MainPID --value ancla-agent").stdout.trim();
    t.not(pidBefore, "0", "the service runs");

    const upgrade = root.sh("dpkg -i /root/ancla-agent_0.1.1.deb");
    t.equal(upgrade.code, 0, upgrade.stderr);
    t.equal(root.sh("dpkg-query -W -f '${Version}' ancla-agent").stdout, "0.1.1");
    t.equal(readFileSync(root.at("etc/ancla/agent.yaml"), "utf8"), "run_interval: 2\nsplay: 0\n", "the edited conffile is kept");
    t.ok(existsSync(root.at("var/lib/ancla/enrollment.json")), "the enrollment is kept");
    t.equal(root.sh("systemctl is-enabled ancla-agent").stdout.trim(), "enabled", "still enabled");
    await eventually(t, "the upgrade restarted the agent", () => {
      const pid = root.sh("systemctl show -p MainPID --value ancla-agent").stdout.trim();
      return pid !== "0" && pid !== pidBefore;
    });
    writeFilesSite(siteDir, TREE, 3, "v3");
    await eventually(t, "the upgraded agent converges with its old certificate", () => /v3 for pkg-01/.test(contentOf(root, "f001.conf")));

    const purge = root.sh("dpkg --purge ancla-agent");
    t.equal(purge.code, 0, purge.stderr);
    t.not(root.sh("systemctl is-active ancla-agent").stdout.trim(), "active", "stopped");
    for (const gone of ["usr/bin/ancla-agent", "var/lib/ancla", "etc/ancla", "lib/systemd/system/ancla-agent.service"]) {
      t.notOk(existsSync(root.at(gone)), `purge removed /${gone}`);
    }
  },
  { chroot: false, skip: packageTestSkip },
);
