// The server's installer over real HTTPS: /install.sh made for this server's
// configured name, with the key pin, CA fingerprint and package digest that are
// really this server's; the package itself; the operator view behind a token;
// a hostile Host header ignored; a missing package refused at start.
import t from "tap";
import { spawnSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import type { TLSSocket } from "node:tls";
import { join } from "node:path";
import { certificateFingerprint } from "../../pki/fingerprint.js";
import { initDataDir } from "../../server/cli/init.js";
import { startServer } from "../../server/cli/start.js";
import { dataDirPaths } from "../../server/datadir.js";
import { publicKeyPin } from "../../server/install/installer.js";
import { renderInstallScript } from "../../server/install/script.js";
import { tempDir } from "./_helpers.js";
import { startRealServer, type RealServer } from "./_server.js";

interface Fetched {
  status: number;
  type: string;
  body: Buffer;
  /** curl's --pinnedpubkey form of the key the server presented. */
  pin: string;
}

function get(server: RealServer, path: string, headers: Record<string, string> = {}): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server.url), { headers, ca: server.ca.certPem, servername: "localhost", agent: false }, (res) => {
      const pin = publicKeyPin(new X509Certificate((res.socket as TLSSocket).getPeerCertificate().raw).toString());
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body: Buffer.concat(chunks), pin }));
    });
    req.on("error", reject);
    req.end();
  });
}

const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

function packageFile(t: Parameters<typeof tempDir>[0], bytes: string): string {
  const file = join(tempDir(t), "ancla-agent.deb");
  writeFileSync(file, bytes);
  return file;
}

t.test("install.sh carries this server's name, pin, CA fingerprint and package digest", async (t) => {
  const pkg = packageFile(t, "a package\n");
  const server = await startRealServer(t, { agentPackage: pkg });
  const port = new URL(server.url).port;
  const res = await get(server, "/install.sh", { host: `localhost:${port}` });
  t.equal(res.status, 200);
  t.match(res.type, /^text\/x-shellscript/);
  const script = res.body.toString();
  t.match(script, `ANCLA_URL='https://localhost:${port}'\n`, "fetches from this server");
  t.match(script, `ANCLA_SERVER='localhost:${server.grpc.split(":")[1]}'\n`, "enrols over gRPC at the same name");
  t.match(script, `ANCLA_PIN='${res.pin}'\n`, "pins the key this server presents");
  t.match(script, `ANCLA_CA_FINGERPRINT='${certificateFingerprint(server.ca.certPem)}'\n`, "pins this server's CA");
  t.match(script, `ANCLA_DEB_SHA256='${sha256("a package\n")}'\n`, "expects the package's SHA-256");
  t.equal(spawnSync("sh", ["-n"], { input: script }).status, 0, "valid POSIX sh");

  const deb = await get(server, "/install/ancla-agent.deb");
  t.equal(deb.status, 200);
  t.equal(deb.body.toString(), "a package\n", "the package is served as it is, without a token");

  // The package replaced (a server upgrade): scripts made afterwards expect the new digest.
  writeFileSync(pkg, "another package\n");
  t.match((await get(server, "/install.sh")).body.toString(), `ANCLA_DEB_SHA256='${sha256("another package\n")}'`);
});

t.test("a hostile Host header plays no part in install.sh: the script names this server as configured", async (t) => {
  const server = await startRealServer(t, { agentPackage: packageFile(t, "x") });
  const port = new URL(server.url).port;
  for (const host of ["evil.example", "evil.example:443", "evil';reboot;'", "$(id)"]) {
    const res = await get(server, "/install.sh", { host });
    t.equal(res.status, 200, `Host: ${host}`);
    const script = res.body.toString();
    t.match(script, `ANCLA_URL='https://localhost:${port}'\n`, "fetches from this server's name and port");
    t.match(script, `ANCLA_SERVER='localhost:${server.grpc.split(":")[1]}'\n`, "enrols with this server");
    t.notMatch(script, /evil|reboot|\$\(id\)/, "nothing of the header is in the script");
  }
  t.throws(() => renderInstallScript({ origin: "https://h:1", grpc: "h:2", pin: "sha256//x'", caFingerprint: "SHA256:00", debSha256: "0".repeat(64) }), { code: "ANCLA_E_USAGE" });
});

t.test("with public_address set (a port forward in front), install.sh names that address, whatever the Host header", async (t) => {
  const server = await startRealServer(t, { agentPackage: packageFile(t, "x"), publicAddress: "ancla.example.org:9443" });
  const script = (await get(server, "/install.sh", { host: "evil.example" })).body.toString();
  t.match(script, `ANCLA_URL='https://ancla.example.org:9443'\n`);
  t.match(script, `ANCLA_SERVER='ancla.example.org:${server.grpc.split(":")[1]}'\n`);
});

t.test("the operator view needs a token with the operator role and tells install-command what to print", async (t) => {
  const server = await startRealServer(t, { agentPackage: packageFile(t, "pkg") });
  t.equal((await server.api("GET", "/api/v1/install", { token: "" })).status, 401, "no token, no answer");
  const viewer = await server.api("POST", "/api/v1/api-tokens", { body: JSON.stringify({ role: "viewer", name: "prometheus" }) });
  t.equal((await server.api("GET", "/api/v1/install", { token: (viewer.body as { token: string }).token })).status, 403, "a viewer may not");
  const info = await server.api("GET", "/api/v1/install");
  t.equal(info.status, 200);
  const pin = (await get(server, "/install.sh")).pin;
  t.same(info.body, {
    hostname: "localhost",
    grpc_port: Number(server.grpc.split(":")[1]),
    pin,
    ca_fingerprint: certificateFingerprint(server.ca.certPem),
    agent_package: { sha256: sha256("pkg"), size: 3 },
  });
});

t.test("without an agent package there are no installer routes; a missing one stops the start with a clear error", async (t) => {
  const server = await startRealServer(t);
  t.equal((await get(server, "/install.sh")).status, 404);
  const dir = tempDir(t);
  await initDataDir({ dataDir: dir, hostname: "localhost" });
  await t.rejects(startServer({ dataDir: dir, grpc: "127.0.0.1:0", http: "127.0.0.1:0", agentPackage: join(dir, "missing.deb") }), { code: "ANCLA_E_CONFIG", message: /missing\.deb: ENOENT/ });
  t.ok(readFileSync(dataDirPaths(dir).caCert), "the data dir is untouched");
});
