// The built `ancla` binary (dist/, made by `npm run build`) against a real API.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { createCertificateAuthority } from "../../pki/ca.js";
import { formatSha256 } from "../../pki/fingerprint.js";
import { publicKeySha256 } from "../../pki/keys.js";
import { cli } from "../helpers/processes.js";
import { EventResult, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { agentCsr, report, startTestApi, tempDir } from "./_helpers.js";

t.test("ancla against a running API", async (t) => {
  const api = await startTestApi(t);
  const dir = tempDir(t);
  const caFile = join(dir, "ca.crt");
  writeFileSync(caFile, api.ca.certPem);
  // Flags for the admin; nothing inherited from the environment running the tests.
  const noEnv = { ANCLA_URL: "", ANCLA_TOKEN: "", ANCLA_CA_FILE: "" };
  const ancla = (args: string[], token = api.tokens.admin) => cli("ancla", [...args, "--url", api.url, "--token", token, "--ca-file", caFile], { env: noEnv });

  t.test("cert list shows a waiting request; sign and revoke change it", async (t) => {
    const { csrPem, keys } = agentCsr("web-01");
    await api.certs.submitCsr(csrPem, undefined);
    const list = await ancla(["cert", "list"]);
    t.equal(list.code, 0, list.stderr);
    t.match(list.stdout, /^CERTNAME\s+STATE\s+SERIAL\s+NOT AFTER\s+KEY FINGERPRINT/);
    t.match(list.stdout, new RegExp(`\nweb-01\\s+pending\\s+-\\s+-\\s+${formatSha256(publicKeySha256(keys.publicKeyPem))}\n`), "the whole key fingerprint, as the agent prints it");

    const signed = await ancla(["cert", "sign", "web-01"]);
    t.equal(signed.code, 0, signed.stderr);
    t.match(signed.stdout, /^signed web-01 \(serial [0-9a-f]+, valid until \d{4}-/);
    const json = JSON.parse((await ancla(["cert", "list", "--json"])).stdout) as { certname: string; state: string }[];
    t.match(json, [{ certname: "web-01", state: "signed" }]);

    const revoked = await ancla(["cert", "revoke", "web-01"]);
    t.equal(revoked.code, 0, revoked.stderr);
    t.equal((await api.certs.list())[0].state, "revoked");
  });

  t.test("cert reject refuses a waiting request", async (t) => {
    await api.certs.submitCsr(agentCsr("web-08").csrPem, undefined);
    const rejected = await ancla(["cert", "reject", "web-08"]);
    t.equal(rejected.code, 0, rejected.stderr);
    t.equal(rejected.stdout, "rejected the request of web-08\n");
    t.equal((await api.certs.list()).find((c) => c.certname === "web-08")?.state, "rejected");
    const again = await ancla(["cert", "reject", "web-08"]);
    t.equal(again.code, 1);
    t.match(again.stderr, /ANCLA_E_CERT_UNKNOWN: no waiting certificate request for "web-08"/);
  });

  t.test("token create prints only the secret on stdout, and it works", async (t) => {
    const res = await ancla(["token", "create", "--ttl", "10m", "--certname-glob", "db-*"]);
    t.equal(res.code, 0, res.stderr);
    const token = res.stdout.trim();
    t.match(token, /^ancla_bt_[A-Za-z0-9_-]{43}$/);
    t.match(res.stderr, /one-time, certnames matching db-\*, expires/);
    t.equal((await api.certs.submitCsr(agentCsr("db-01").csrPem, token)).state, "signed");
    const json = JSON.parse((await ancla(["token", "create", "--reusable", "--json"])).stdout) as { one_time: boolean; expires_at: string };
    t.equal(json.one_time, false);
    t.ok(Date.parse(json.expires_at) - Date.now() > 3500_000, "default ttl is an hour");
  });

  t.test("nodes and report show", async (t) => {
    const events = [{ resource: "file:/etc/motd", property: "content", desired: '"a"', actual: '"b"', result: EventResult.CHANGED, corrective: true, message: "restored" }];
    await api.store.reports.saveReport(report({ runId: "run-42", certname: "web-01", status: ReportStatus.CHANGED, events, counts: { total: 2, changed: 1, corrective: 1 } }), new Date());
    const nodes = await ancla(["nodes"]);
    t.equal(nodes.code, 0, nodes.stderr);
    t.match(nodes.stdout, /\nweb-01\s+drifted\s+\d{4}-/);
    const drifted = JSON.parse((await ancla(["nodes", "--status", "drifted", "--json"])).stdout) as { certname: string }[];
    t.same(
      drifted.map((n) => n.certname),
      ["web-01"],
    );
    t.same(JSON.parse((await ancla(["nodes", "--status", "failed", "--json"])).stdout), []);

    const shown = await ancla(["report", "show", "web-01"]);
    t.equal(shown.code, 0, shown.stderr);
    t.match(shown.stdout, /^run run-42 on web-01: changed/);
    t.match(shown.stdout, /changed\s+file:\/etc\/motd\s+content\s+"a"\s+"b"\s+yes\s+restored/);
    const json = JSON.parse((await ancla(["report", "show", "web-01", "--json"])).stdout) as { runId: string };
    t.equal(json.runId, "run-42");
  });

  t.test("server errors: one line with the code, exit 1", async (t) => {
    const unknown = await ancla(["cert", "sign", "nobody"]);
    t.equal(unknown.code, 1);
    t.match(unknown.stderr, /^error: ANCLA_E_CERT_UNKNOWN: no waiting certificate request for "nobody"\n$/);
    const denied = await ancla(["token", "create"], api.tokens.viewer);
    t.equal(denied.code, 1);
    t.match(denied.stderr, /^error: ANCLA_E_PERMISSION_DENIED: .*admin role/);
    const noReport = await ancla(["report", "show", "nobody"]);
    t.match(noReport, { code: 1, stderr: /ANCLA_E_NOT_FOUND/ });
  });

  t.test("misuse: one line, exit 64, before any request", async (t) => {
    for (const args of [
      ["cert", "sign"],
      ["nodes", "--status", "sad"],
      ["token", "create", "--ttl", "soon"],
      ["cert", "list", "--bogus"],
    ]) {
      const res = await ancla(args);
      t.equal(res.code, 64, args.join(" "));
      t.match(res.stderr, /^error: ANCLA_E_USAGE: [^\n]+\n$/, args.join(" "));
    }
  });

  t.test("a server this CA did not certify is refused", async (t) => {
    const otherCa = join(dir, "other-ca.crt");
    writeFileSync(otherCa, createCertificateAuthority("Other CA").certPem);
    const res = await cli("ancla", ["cert", "list", "--url", api.url, "--token", api.tokens.admin, "--ca-file", otherCa], { env: noEnv });
    t.equal(res.code, 1);
    t.match(res.stderr, /^error: ANCLA_E_CERT_INVALID: the server at https:\/\/127\.0\.0\.1:\d+ is not trusted by the CA in .*other-ca\.crt/);
  });

  t.test("the connection comes from the environment", async (t) => {
    const res = await cli("ancla", ["cert", "list", "--json"], { env: { ANCLA_URL: api.url, ANCLA_TOKEN: api.tokens.viewer, ANCLA_CA_FILE: caFile } });
    t.equal(res.code, 0, res.stderr);
  });

  t.test("on the server host, from the data dir", async (t) => {
    const dataDir = join(dir, "data");
    mkdirSync(join(dataDir, "ca"), { recursive: true });
    writeFileSync(join(dataDir, "ca", "ca.crt"), api.ca.certPem);
    writeFileSync(join(dataDir, "admin.token"), api.tokens.admin + "\n");
    writeFileSync(join(dataDir, "runtime.json"), JSON.stringify({ pid: 1, grpc: "127.0.0.1:1", url: api.url }));
    const res = await cli("ancla", ["cert", "list", "--data-dir", dataDir], { env: noEnv });
    t.equal(res.code, 0, res.stderr);
    const missing = await cli("ancla", ["cert", "list", "--data-dir", join(dir, "nowhere")], { env: noEnv });
    t.equal(missing.code, 1);
    t.match(missing.stderr, /^error: ANCLA_E_CONFIG: cannot read the API URL \(is ancla-server running\?\) from .*runtime\.json \(ENOENT\); pass --url or ANCLA_URL/);
  });

  t.test("an unreachable server", async (t) => {
    const res = await cli("ancla", ["cert", "list", "--url", "https://127.0.0.1:1", "--token", "x", "--ca-file", caFile], { env: noEnv });
    t.equal(res.code, 1);
    t.match(res.stderr, /^error: ANCLA_E_SERVER_UNREACHABLE: cannot reach https:\/\/127\.0\.0\.1:1/);
  });
});
