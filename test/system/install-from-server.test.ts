// Installing the agent from the server, as an operator would: `ancla
// install-command` prints a line, pasted on a fresh booted Debian host (curl
// installed from the root's apt). A real server process on the host's
// loopback (the container shares the host's network) offers the built agent .deb. Before
// the real install: the line pointed at another server's key refuses, and a
// script whose SHA-256 no longer matches the served package refuses; both
// leave nothing installed. Then the line installs, enrols, starts the unit,
// and the server receives the host's report.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Test } from "tap";
import { dataDirPaths } from "../../server/datadir.js";
import { waitForRuntime } from "../../server/runtime.js";
import { cli, freePort, ROOT, workDir } from "../helpers/processes.js";
import { writeFilesSite } from "../helpers/fleet.js";
import { call } from "../server/_helpers.js";
import { bootHost, buildAgentDebs, eventually, packageTestSkip } from "./_packages.js";
import { rootTest, type DebianRoot } from "./debian-root.js";

interface Server {
  dataDir: string;
  url: string;
  api(path: string): Promise<{ status: number; body: unknown }>;
}

/**
 * `ancla-server init` and `start --agent-package`, as processes: commands in
 * the root run synchronously, so the server must not share this event loop.
 */
async function startServerProcess(t: Test, base: string, name: string, agentPackage: string): Promise<Server> {
  const dataDir = join(base, name);
  const site = join(base, `${name}-site`);
  writeFilesSite(site, "/var/tmp", 1);
  const init = await cli("server", ["init", "--data-dir", dataDir, "--site", site, "--hostname", "localhost"]);
  t.equal(init.code, 0, init.stderr);
  const args = ["start", "--data-dir", dataDir, "--grpc", `127.0.0.1:${await freePort()}`, "--http", "127.0.0.1:0", "--agent-package", agentPackage];
  const child = spawn(process.execPath, [join(ROOT, "dist/server/cli/main.js"), ...args], { stdio: "ignore", env: { ...process.env, ANCLA_LOG_LEVEL: "warn" } });
  t.teardown(() => void child.kill("SIGTERM"));
  const { url } = await waitForRuntime(dataDir, child);
  const paths = dataDirPaths(dataDir);
  const ca = { certPem: readFileSync(paths.caCert, "utf8"), keyPem: "" };
  const token = readFileSync(paths.adminToken, "utf8").trim();
  return { dataDir, url, api: (path) => call({ url, ca }, "GET", path, { token }) };
}

/** `ancla install-command` against `server`, as on the server host (--data-dir); the printed line. */
async function installCommand(t: Test, server: Server): Promise<string> {
  const r = await cli("ancla", ["install-command", "--token-ttl", "10m", "--data-dir", server.dataDir]);
  t.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

function nothingInstalled(t: Test, root: DebianRoot, why: string): void {
  t.not(root.sh("dpkg-query -W ancla-agent").code, 0, `${why}: the agent package is not installed`);
  t.not(root.sh("test -e /usr/bin/ancla-agent -o -e /var/lib/ancla").code, 0, `${why}: no agent files, no state`);
}

rootTest(
  "a host installs the agent from the server with the printed one-liner, which refuses another server's key and a package that does not match",
  async (root, t) => {
    t.setTimeout(900_000);
    const base = workDir(t);
    const [agentDeb, otherDeb] = await buildAgentDebs(base, "0.1.0", "0.1.1");
    const offered = join(base, "offered.deb");
    copyFileSync(agentDeb, offered);
    const server = await startServerProcess(t, base, "server", offered);
    const stranger = await startServerProcess(t, base, "stranger", offered);

    await bootHost(root);
    const curl = root.sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl ca-certificates");
    t.equal(curl.code, 0, curl.stderr);

    const line = await installCommand(t, server);
    t.match(line, /--pinnedpubkey 'sha256\/\/[A-Za-z0-9+/]{43}='/, "the line pins the server's public key");
    t.match(line, / -k /, "-k only with the pin (the host does not know Ancla's CA yet)");
    t.notMatch(line, /\|\s*(ba)?sh/, "the script is saved whole before it runs, never piped into a shell");

    // The other server's line, pointed at this server: another key than the pinned one.
    const port = (url: string): string => new URL(url).port;
    const wrongKey = (await installCommand(t, stranger)).replaceAll(`localhost:${port(stranger.url)}`, `localhost:${port(server.url)}`);
    t.not(wrongKey, line);
    const refused = root.sh(wrongKey);
    t.not(refused.code, 0, "a server whose key is not the pinned one is refused");
    t.match(refused.stderr, /did not answer with the pinned key.*nothing was installed/);
    nothingInstalled(t, root, "wrong key");

    // The script as fetched over the pinned connection; then the server's package changes under it.
    const origin = /'(https:\/\/[^']+)\/install\.sh'/.exec(line)![1];
    const pin = /--pinnedpubkey '([^']+)'/.exec(line)![1];
    const token = /--token '([^']+)'/.exec(line)![1];
    t.equal(root.sh(`curl -fsS -k --pinnedpubkey '${pin}' -o /root/install.sh '${origin}/install.sh'`).code, 0, "the script downloads over the pinned connection");
    t.equal(root.sh("sh -n /root/install.sh").code, 0, "the script is valid POSIX sh (dash)");
    copyFileSync(otherDeb, offered);
    const tampered = root.sh(`sh /root/install.sh --token '${token}'`);
    t.not(tampered.code, 0, "a package whose SHA-256 is not the script's is refused");
    t.match(tampered.stderr, /SHA-256 is [0-9a-f]{64}, expected [0-9a-f]{64}; refused, nothing was installed/);
    nothingInstalled(t, root, "digest mismatch");
    copyFileSync(agentDeb, offered);

    const install = root.sh(line);
    t.equal(install.code, 0, `${install.stdout}\n${install.stderr}`);
    t.match(install.stdout, /the ancla-agent service is running/);
    t.equal(root.sh("dpkg-query -W -f '${Version}' ancla-agent").stdout, "0.1.0", "the offered package is installed");
    t.equal(root.sh("systemctl is-enabled ancla-agent").stdout.trim(), "enabled");
    t.equal(root.sh("systemctl is-active ancla-agent").stdout.trim(), "active", "the unit runs");
    const signed = (await server.api("/api/v1/certs?state=signed")).body as { certificates: { certname: string }[] };
    t.equal(signed.certificates.length, 1, "the host enrolled: one signed certificate");
    const certname = signed.certificates[0]?.certname ?? "";
    // The daemon's first run waits a splay (up to 60 s by default) before it reports.
    await eventually(
      t,
      "the host's first report arrives at the server",
      async () => {
        const node = await server.api(`/api/v1/nodes/${certname}`);
        return node.status === 200 && typeof (node.body as { last_report_at?: unknown }).last_report_at === "string";
      },
      150_000,
    );
    const converged = root.at(`var/tmp/${certname}/f001.conf`);
    t.equal(existsSync(converged) && readFileSync(converged, "utf8"), `# f001.conf v1 for ${certname}\n`, "and the host converged to its catalog");
  },
  { chroot: false, skip: packageTestSkip },
);
