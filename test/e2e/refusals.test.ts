// What the system refuses, with real processes: no certificate, malformed
// requests, a revoked agent, a report for another node, tampered and foreign
// cached catalogs, a site that stops compiling, and a bootstrap without a
// token that waits for `ancla cert sign`.
import t from "tap";
import * as grpc from "@grpc/grpc-js";
import { readFileSync, writeFileSync, copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { AgentService } from "../../proto/gen/ancla/v1/agent_pb.js";
import { makeClient } from "../../proto/grpc.js";
import { agentAt, enroll, parseReport, startFleet, writeFilesSite, type ReportJson } from "../helpers/fleet.js";
import { cli, workDir } from "../helpers/processes.js";

const parse = parseReport;
const codes = (r: ReportJson) => (r.logs ?? []).map((l) => l.code).filter(Boolean);

t.test("the server and the agent refuse what they must", async (t) => {
  const base = workDir(t, { site: {}, managed: {} });
  const site = join(base, "site");
  const root = join(base, "managed");
  writeFilesSite(site, root, 3);
  const fleet = await startFleet(base, site);
  t.teardown(() => fleet.stop());
  const web1 = await enroll(fleet, base, "web-01");
  const web2 = await enroll(fleet, base, "web-02");
  t.equal((await web1.run()).code, 2);
  t.equal((await web2.run()).code, 2);
  const caPem = readFileSync(join(web1.stateDir, "certs/ca.crt"));

  await t.test("no client certificate: UNAUTHENTICATED, nothing served", async (t) => {
    const client = makeClient(AgentService, fleet.server.grpc, grpc.credentials.createSsl(caPem));
    t.teardown(() => client.close());
    await t.rejects(client.getCatalog({ haveDigest: "" }), { code: grpc.status.UNAUTHENTICATED });
  });

  await t.test("a certificate from another CA is refused at the TLS layer or as UNAUTHENTICATED", async (t) => {
    const other = join(base, "other");
    t.equal((await cli("server", ["init", "--data-dir", other, "--hostname", "localhost", "--json"])).code, 0);
    // The other server's own TLS identity is a perfectly valid certificate, just not from our CA.
    const creds = grpc.credentials.createSsl(caPem, readFileSync(join(other, "tls/server.key")), readFileSync(join(other, "tls/server.crt")));
    const client = makeClient(AgentService, fleet.server.grpc, creds);
    t.teardown(() => client.close());
    const err = (await client.getCatalog({ haveDigest: "" }).catch((e: unknown) => e)) as grpc.ServiceError;
    t.ok([grpc.status.UNAUTHENTICATED, grpc.status.UNAVAILABLE].includes(err.code), `refused (${err.code} ${err.details})`);
  });

  const mtls = () =>
    makeClient(AgentService, fleet.server.grpc, grpc.credentials.createSsl(caPem, readFileSync(join(web1.stateDir, "certs/agent.key")), readFileSync(join(web1.stateDir, "certs/agent.crt"))));

  await t.test("malformed requests: INVALID_ARGUMENT", async (t) => {
    const client = mtls();
    t.teardown(() => client.close());
    const garbage = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.raw.makeUnaryRequest(
        "/ancla.v1.AgentService/GetCatalog",
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        (err) => resolve(err),
      ),
    );
    t.equal(garbage?.code, grpc.status.INVALID_ARGUMENT, "undecodable bytes");
    await t.rejects(client.getCatalog({ haveDigest: "not-a-digest" }), { code: grpc.status.INVALID_ARGUMENT }, "bad digest");
    await t.rejects(client.reportRun({}), { code: grpc.status.INVALID_ARGUMENT }, "report missing");
  });

  await t.test("a node cannot report for another node or fetch content outside its catalog", async (t) => {
    const client = mtls();
    t.teardown(() => client.close());
    await t.rejects(client.reportRun({ report: { runId: "x1", certname: "web-02" } }), { code: grpc.status.PERMISSION_DENIED });
    const stream = client.fetchContent({ sha256: "0".repeat(64) });
    await t.rejects(
      (async () => {
        for await (const _ of stream) void _;
      })(),
      { code: grpc.status.NOT_FOUND },
    );
  });

  await t.test("a tampered cached catalog is refused before any change", async (t) => {
    const cacheFile = join(web1.stateDir, "catalog.json");
    const original = readFileSync(cacheFile, "utf8");
    const cached = JSON.parse(original) as { payload: string };
    cached.payload = Buffer.from(Buffer.from(cached.payload, "base64").toString("utf8").replace('"0644"', '"0666"')).toString("base64");
    writeFileSync(cacheFile, JSON.stringify(cached));
    const victim = join(root, "web-01/f001.conf");
    writeFileSync(victim, "drifted\n");
    await fleet.stop();
    const run = await web1.run();
    t.equal(run.code, 4, "the run fails");
    const report = parse(run.stdout);
    t.equal(report.catalogSource, "none");
    t.ok(codes(report).includes("ANCLA_E_SIGNATURE_INVALID"), `the report says why: ${codes(report)}`);
    t.equal(readFileSync(victim, "utf8"), "drifted\n", "nothing was touched");
    writeFileSync(cacheFile, original);
    await fleet.restart();
  });

  await t.test("a foreign catalog in the cache is refused", async (t) => {
    copyFileSync(join(web1.stateDir, "catalog.json"), join(web2.stateDir, "catalog.json"));
    await fleet.stop();
    const report = parse((await web2.run()).stdout);
    t.ok(codes(report).includes("ANCLA_E_CATALOG_FOREIGN"), `foreign refused: ${codes(report)}`);
    await fleet.restart();
  });

  await t.test("an older catalog in the cache is refused once a newer one was accepted", async (t) => {
    const cacheFile = join(web1.stateDir, "catalog.json");
    const older = readFileSync(cacheFile, "utf8");
    writeFilesSite(site, root, 3, "v2");
    t.equal((await web1.run()).code, 2, "the newer catalog is applied");
    const newer = readFileSync(cacheFile, "utf8");
    writeFileSync(cacheFile, older);
    await fleet.stop();
    const report = parse((await web1.run()).stdout);
    t.ok(codes(report).includes("ANCLA_E_CATALOG_STALE"), `stale refused: ${codes(report)}`);
    t.equal(report.catalogSource, "none");
    writeFileSync(cacheFile, newer);
    await fleet.restart();
  });

  await t.test("a site that stops compiling: the agent keeps its catalog, the server records the failure", async (t) => {
    writeFileSync(join(site, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [missing]\n');
    const victim = join(root, "web-01/f002.conf");
    writeFileSync(victim, "drifted\n");
    const run = await web1.run();
    t.equal(run.code, 2, `cached catalog applied (${run.stderr})`);
    const report = parse(run.stdout);
    t.equal(report.catalogSource, "cache");
    t.ok(codes(report).includes("ANCLA_E_COMPILE"), "the report carries the compile error");
    t.not(readFileSync(victim, "utf8"), "drifted\n", "still converged");
    const nodes = await fleet.ancla(["nodes", "--json"]);
    t.match(nodes.stdout, /compile-failed/, "the server shows the node as compile-failed");
    writeFilesSite(site, root, 3);
  });

  await t.test("a revoked agent is refused", async (t) => {
    const revoke = await fleet.ancla(["cert", "revoke", "web-02"]);
    t.equal(revoke.code, 0, revoke.stderr);
    const run = await web2.run();
    t.equal(run.code, 4);
    const report = parse(run.stdout);
    t.ok(codes(report).includes("ANCLA_E_CERT_REVOKED"), `the run's report names the revocation (${codes(report).join(", ")})`);
  });

  await t.test("a bootstrap without a token waits until an operator signs", async (t) => {
    const agent = agentAt(base, "db-01");
    const pending = cli("agent", ["bootstrap", "--server", fleet.server.grpc, "--ca-fingerprint", fleet.fingerprint, "--certname", "db-01", "--state-dir", agent.stateDir, "--wait", "60s"]);
    let listed = "";
    for (let i = 0; i < 100 && !/db-01.*pending/s.test(listed); i++) {
      await new Promise((r) => setTimeout(r, 200));
      listed = (await fleet.ancla(["cert", "list", "--json"])).stdout;
    }
    t.match(listed, /db-01/, "the request is listed");
    t.notOk(existsSync(join(agent.stateDir, "certs/agent.crt")), "no certificate before signing");
    const sign = await fleet.ancla(["cert", "sign", "db-01"]);
    t.equal(sign.code, 0, sign.stderr);
    const done = await pending;
    t.equal(done.code, 0, done.stderr);
    t.ok(existsSync(join(agent.stateDir, "certs/agent.crt")), "certificate installed");
    t.equal((await agent.run()).code, 2, "and it converges");
  });

  await t.test("a wrong CA fingerprint is refused before anything is sent", async (t) => {
    const r = await cli("agent", ["bootstrap", "--server", fleet.server.grpc, "--ca-fingerprint", "ab".repeat(32), "--certname", "evil-01", "--state-dir", join(base, "evil"), "--token", "x"]);
    t.equal(r.code, 1);
    t.match(r.stderr, /ANCLA_E_CA_PIN_MISMATCH/);
  });

  await t.test("a bad flag: one clear line and a non-zero exit", async (t) => {
    const r = await cli("agent", ["run", "--bogus"]);
    t.equal(r.code, 64);
    t.equal(r.stderr.trim().split("\n").length, 1);
    t.match(r.stderr, /bogus/);
  });
});
