// `ancla-agent apply` as a user runs it (the built CLI): a site compiled here
// with external facts, catalog files (body, full catalog, DSSE envelope with
// and without a CA), exit codes, drift memory, and clear refusals.
import t from "tap";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson } from "../../catalog/canonical.js";
import { CATALOG_PAYLOAD_TYPE, type Catalog } from "../../catalog/model.js";
import { createCertificateAuthority, issueCertificate } from "../../pki/ca.js";
import { signEnvelope } from "../../pki/dsse.js";
import { generateKeyPair } from "../../pki/keys.js";
import { cli } from "../helpers/processes.js";
import { catalogOf } from "./_helpers.js";

interface ReportJson {
  status: string;
  catalogSource: string;
  events?: { resource: string; property: string; result: string; corrective?: boolean }[];
  logs?: { level: string; message: string }[];
}

const agent = (args: string[]) => cli("agent", args);

t.test("apply SITE_DIR compiles here with external facts, converges, then repairs drift as corrective", async (t) => {
  const dir = t.testdir({
    site: {
      "nodes.yaml": 'nodes:\n  - match: "web-*"\n    modules: [base]\n',
      modules: { base: { "module.yaml": 'resources:\n  - type: file\n    title: ROOT/role\n    content: "role=${facts.role} rack=${facts.rack} on ${node.name}\\n"\n' } },
    },
    facts: { "role.yaml": "role: web\n", "rack.sh": '#!/bin/sh\necho \'{"rack": "r1"}\'\n', README: "not a fact file" },
    out: {},
  });
  const moduleFile = join(dir, "site/modules/base/module.yaml");
  writeFileSync(moduleFile, readFileSync(moduleFile, "utf8").replace("ROOT", join(dir, "out")));
  chmodSync(join(dir, "facts/rack.sh"), 0o755);
  const args = ["apply", join(dir, "site"), "--certname", "web-01", "--state-dir", join(dir, "state"), "--facts-dir", join(dir, "facts"), "--json"];

  const first = await agent(args);
  t.equal(first.code, 2, first.stderr);
  t.equal((JSON.parse(first.stdout) as ReportJson).catalogSource, "site");
  t.equal(readFileSync(join(dir, "out/role"), "utf8"), "role=web rack=r1 on web-01\n");

  t.equal((await agent(args)).code, 0, "second run: nothing to do");
  writeFileSync(join(dir, "out/role"), "edited\n");
  const repaired = await agent(args);
  t.equal(repaired.code, 2);
  t.ok(
    (JSON.parse(repaired.stdout) as ReportJson).events?.every((e) => e.corrective),
    "drift is corrective",
  );

  const noop = await agent([...args.slice(0, -1), "--noop"]);
  t.equal(noop.code, 0);
});

t.test("a site that does not compile: exit 1, every problem with its place", async (t) => {
  const dir = t.testdir({ site: { "nodes.yaml": "nodes: [" } });
  const result = await agent(["apply", join(dir, "site"), "--state-dir", join(dir, "state"), "--facts-dir", join(dir, "none")]);
  t.equal(result.code, 1);
  t.match(result.stderr, /ANCLA_E_COMPILE: .*does not compile for .*\n\s+.*nodes\.yaml:\d+:\d+/);
});

t.test("apply --catalog: a body or a full catalog, unsigned; exit codes 2, 0, 4", async (t) => {
  const dir = t.testdir({});
  const target = join(dir, "motd");
  const body = { certname: "any", siteVersion: "v1", resources: [{ type: "file", title: target, properties: { content: "hello\n" } }], edges: [] };
  writeFileSync(join(dir, "body.json"), JSON.stringify(body));
  const state = ["--state-dir", join(dir, "state"), "--facts-dir", join(dir, "none")];
  t.equal((await agent(["apply", "--catalog", join(dir, "body.json"), ...state])).code, 2);
  t.equal(readFileSync(target, "utf8"), "hello\n");
  writeFileSync(join(dir, "full.json"), JSON.stringify(catalogOf(body.resources)));
  t.equal((await agent(["apply", "--catalog", join(dir, "full.json"), ...state])).code, 0);

  const failing = catalogOf([{ type: "exec", title: "false", properties: {} }]);
  writeFileSync(join(dir, "failing.json"), JSON.stringify(failing));
  const failed = await agent(["apply", "--catalog", join(dir, "failing.json"), ...state, "--json"]);
  t.equal(failed.code, 4);
  t.equal((JSON.parse(failed.stdout) as ReportJson).status, "failed");
});

t.test("a signed envelope is verified with --ca-file; tampered or foreign ones are refused", async (t) => {
  const dir = t.testdir({});
  const ca = createCertificateAuthority("test CA");
  const key = generateKeyPair();
  const signer = {
    keyPem: key.privateKeyPem,
    certPem: issueCertificate(ca, { commonName: "catalog-signer", publicKeyPem: key.publicKeyPem, usage: "catalog-signing", serialHex: "51", validityDays: 1 }),
  };
  writeFileSync(join(dir, "ca.pem"), ca.certPem);
  const target = join(dir, "signed");
  const catalog: Catalog = { ...catalogOf([{ type: "file", title: target, properties: { content: "signed\n" } }]), certname: "node-a", serial: 7 };
  const envelopeJson = (c: Catalog) => {
    const env = signEnvelope(CATALOG_PAYLOAD_TYPE, Buffer.from(canonicalJson(c)), signer);
    return {
      payloadType: env.payloadType,
      payload: Buffer.from(env.payload).toString("base64"),
      signatures: env.signatures.map((s) => ({ keyid: s.keyid, sig: Buffer.from(s.sig).toString("base64"), certPem: s.certPem })),
    };
  };
  const good = envelopeJson(catalog);
  writeFileSync(join(dir, "good.json"), JSON.stringify(good));
  writeFileSync(join(dir, "tampered.json"), JSON.stringify({ ...good, payload: Buffer.from(canonicalJson({ ...catalog, serial: 8 })).toString("base64") }));
  writeFileSync(join(dir, "plain.json"), JSON.stringify(catalog));
  const run = (file: string, ...extra: string[]) =>
    agent(["apply", "--catalog", join(dir, file), "--state-dir", join(dir, "state"), "--facts-dir", join(dir, "none"), "--certname", "node-a", ...extra]);

  const tampered = await run("tampered.json", "--ca-file", join(dir, "ca.pem"));
  t.equal(tampered.code, 1);
  t.match(tampered.stderr, /ANCLA_E_SIGNATURE_INVALID/);
  const plainWithCa = await run("plain.json", "--ca-file", join(dir, "ca.pem"));
  t.match(plainWithCa.stderr, /not a signed envelope, but --ca-file asks for a verified catalog/);
  const foreign = await agent([
    "apply",
    "--catalog",
    join(dir, "good.json"),
    "--state-dir",
    join(dir, "state"),
    "--facts-dir",
    join(dir, "none"),
    "--certname",
    "node-b",
    "--ca-file",
    join(dir, "ca.pem"),
  ]);
  t.match(foreign.stderr, /ANCLA_E_CATALOG_FOREIGN/);

  const verified = await run("good.json", "--ca-file", join(dir, "ca.pem"));
  t.equal(verified.code, 2, verified.stderr);
  t.equal(readFileSync(target, "utf8"), "signed\n");
  const unverified = await run("good.json");
  t.equal(unverified.code, 0);
  t.match(unverified.stderr, /signature not verified \(no --ca-file\)/);
});

t.test("usage: SITE_DIR or --catalog, exactly one", async (t) => {
  t.equal((await agent(["apply"])).code, 64);
  t.equal((await agent(["apply", "site", "--catalog", "x.json"])).code, 64);
});

t.test("apply removes the temp files a killed run left beside the files it manages, as a server run does", async (t) => {
  const dir = t.testdir({});
  const target = join(dir, "motd");
  writeFileSync(join(dir, "body.json"), JSON.stringify({ certname: "any", siteVersion: "v1", resources: [{ type: "file", title: target, properties: { content: "hello\n" } }], edges: [] }));
  const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
  const orphan = join(dir, `.ancla-tmp-${dead}-motd.0123456789ab`);
  writeFileSync(orphan, "half a file");
  const state = ["--state-dir", join(dir, "state"), "--facts-dir", join(dir, "none"), "--json"];
  const noop = await agent(["apply", "--catalog", join(dir, "body.json"), ...state, "--noop"]);
  t.equal(noop.code, 0, noop.stderr);
  t.ok(existsSync(orphan), "a noop run leaves it");
  const run = await agent(["apply", "--catalog", join(dir, "body.json"), ...state]);
  t.equal(run.code, 2, run.stderr);
  t.notOk(existsSync(orphan), "the orphan is gone");
  t.ok(
    (JSON.parse(run.stdout) as ReportJson).logs?.some((l) => l.message.includes(orphan)),
    "and the report names it",
  );
});
