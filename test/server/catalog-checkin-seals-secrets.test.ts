// The catalog service seals the secrets a node's catalog uses to the key of
// the certificate the node checked in with: only that key opens them; the
// same key again is "not modified" without a compile; a new key (a
// re-bootstrapped node) or a rotated secret is a new catalog; each delivery is
// audited with its serial; a rotated-out version is destroyed once no active
// node's catalog holds it. The digest also covers probes, so a facts change
// that changes only a probe is a new catalog.
import t from "tap";
import { createPublicKey } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CompileOptions, Facts, SiteCompiler } from "../../catalog/compile-seam.js";
import { CATALOG_PAYLOAD_TYPE, type Catalog } from "../../catalog/model.js";
import { openSecrets } from "../../catalog/secrets/sealed.js";
import { createSiteCompiler } from "../../catalog/site/create-site-compiler.js";
import { createCertificateAuthority, issueCertificate, randomSerialHex } from "../../pki/ca.js";
import { verifyEnvelope } from "../../pki/dsse.js";
import { generateKeyPair, publicKeySha256 } from "../../pki/keys.js";
import { ContentStore } from "../../server/catalogs/content-store.js";
import { CatalogService, type CheckinAnswer } from "../../server/catalogs/service.js";
import { LocalKms } from "../../server/secrets/local-kms.js";
import { SecretService } from "../../server/secrets/service.js";
import { openStore } from "../../server/store/index.js";
import { tempDir } from "./_helpers.js";

const ca = createCertificateAuthority("test CA");
const signerKeys = generateKeyPair();
const signer = {
  keyPem: signerKeys.privateKeyPem,
  certPem: issueCertificate(ca, { commonName: "signer", publicKeyPem: signerKeys.publicKeyPem, usage: "catalog-signing", serialHex: randomSerialHex(), validityDays: 1 }),
};
const keyA = generateKeyPair();
const keyB = generateKeyPair();

function payload(answer: CheckinAnswer): Catalog {
  if (answer.notModified) throw new Error("expected a catalog");
  return JSON.parse(Buffer.from(verifyEnvelope(answer.envelope, ca.certPem, CATALOG_PAYLOAD_TYPE)).toString("utf8")) as Catalog;
}

async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = tempDir(t);
  const site = join(dir, "site");
  mkdirSync(join(site, "modules/base"), { recursive: true });
  writeFileSync(join(site, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [base]\n');
  writeFileSync(
    join(site, "modules/base/module.yaml"),
    'resources:\n  - type: file\n    title: /etc/db.conf\n    content: "password=${secret(\\"db\\")}\\n"\n' +
      'probes:\n  - name: web\n    http: { url: "http://localhost:${facts.port}/", status: 200 }\n',
  );
  const store = openStore(join(dir, "ancla.db"));
  t.teardown(() => store.close());
  const secrets = new SecretService(store, new LocalKms(join(dir, "kms"), { createFirst: true }));
  const inner = createSiteCompiler(site);
  const compiler: SiteCompiler & { compiles: number } = {
    compiles: 0,
    siteVersion: () => inner.siteVersion(),
    compile(certname: string, facts: Facts, options?: CompileOptions) {
      compiler.compiles++;
      return inner.compile(certname, facts, options);
    },
  };
  const catalogs = new CatalogService(store, compiler, signer, new ContentStore(join(dir, "content")), { ttlSeconds: 3600, secrets });
  await secrets.set({ name: "db", value: Buffer.from("first-pass") }, "admin");
  return { store, secrets, compiler, catalogs };
}

const facts: Facts = { port: 8080 };
const opened = (catalog: Catalog, keyPem: string) => [...openSecrets(catalog, keyPem)].map(([name, v]) => [name, v.ok ? v.value.toString() : v.message]);

t.test("the values are sealed to the check-in's key, opened by it only, and each delivery is audited", async (t) => {
  const { store, compiler, catalogs } = await setup(t);
  const first = await catalogs.checkin("web-01", facts, "", createPublicKey(keyA.publicKeyPem));
  const catalog = payload(first);
  t.same(catalog.secrets, { sealedTo: publicKeySha256(keyA.publicKeyPem), uses: [{ name: "db", version: 1 }] });
  t.notOk(JSON.stringify(catalog).includes("first-pass"), "the signed catalog holds no plaintext");
  t.same(opened(catalog, keyA.privateKeyPem), [["db", "first-pass"]]);
  t.match(opened(catalog, keyB.privateKeyPem), [["db", /sealed to another key/]]);

  const again = await catalogs.checkin("web-01", facts, first.digest, createPublicKey(keyA.publicKeyPem));
  t.same(again, { notModified: true, digest: first.digest });
  t.equal(compiler.compiles, 1, "the same key and secrets: no compile");

  const rekeyed = await catalogs.checkin("web-01", facts, first.digest, createPublicKey(keyB.publicKeyPem));
  const second = payload(rekeyed);
  t.equal(second.serial, 2, "a new key is a new catalog");
  t.same(opened(second, keyB.privateKeyPem), [["db", "first-pass"]]);
  t.match(opened(second, keyA.privateKeyPem), [["db", /sealed to another key/]]);

  const audit = (await store.audit.listAudit({ limit: 10 })).filter((e) => e.action === "secret.deliver");
  t.same(audit.map((e) => [e.target, e.detail]).reverse(), [
    ["web-01", { serial: 1, secrets: ["db@1"], sealed_to: publicKeySha256(keyA.publicKeyPem) }],
    ["web-01", { serial: 2, secrets: ["db@1"], sealed_to: publicKeySha256(keyB.publicKeyPem) }],
  ]);
});

t.test("a rotation is a new catalog with the new version; a probe-only change is one too", async (t) => {
  const { secrets, catalogs } = await setup(t);
  const key = createPublicKey(keyA.publicKeyPem);
  const first = await catalogs.checkin("web-01", facts, "", key);
  await secrets.rotate("db", Buffer.from("second-pass"), "admin");
  const rotated = payload(await catalogs.checkin("web-01", facts, first.digest, key));
  t.same(rotated.secrets?.uses, [{ name: "db", version: 2 }]);
  t.same(opened(rotated, keyA.privateKeyPem), [["db", "second-pass"]]);

  const moved = await catalogs.checkin("web-01", { port: 9090 }, rotated.digest, key);
  t.equal(moved.notModified, false, "only the probe changed, and the node gets it");
  t.equal(payload(moved).probes?.[0].http?.url, "http://localhost:9090/");
});

t.test("a check-in without a key cannot be given a catalog that carries secrets", async (t) => {
  const { catalogs } = await setup(t);
  await t.rejects(catalogs.checkin("web-01", facts, ""), { code: "ANCLA_E_INTERNAL", message: /uses secrets, but the check-in named no key/ });
});

t.test("a rotated-out version is destroyed once no active node's catalog holds it, and audited", async (t) => {
  const { store, secrets, catalogs } = await setup(t);
  const key = createPublicKey(keyA.publicKeyPem);
  const web1 = await catalogs.checkin("web-01", facts, "", key);
  const web2 = await catalogs.checkin("web-02", facts, "", key);
  await catalogs.checkin("db-03", facts, "", key);
  await store.nodes.recordCheckin("db-03", facts, new Date());
  await store.nodes.deactivateNode("db-03", new Date());
  await secrets.rotate("db", Buffer.from("second-pass"), "admin");
  t.ok(await store.secrets.sealedVersion("db", 1), "no catalog has moved yet: version 1 stays");

  await catalogs.checkin("web-01", facts, web1.digest, key);
  t.ok(await store.secrets.sealedVersion("db", 1), "web-02 still holds version 1");
  await catalogs.checkin("web-02", facts, web2.digest, key);
  t.equal(await store.secrets.sealedVersion("db", 1), undefined, "destroyed once the last active node moved on (db-03 is deactivated)");
  t.equal((await secrets.reveal("db")).value.toString(), "second-pass");
  await t.rejects(secrets.reveal("db", 1), { code: "ANCLA_E_NOT_FOUND" }, "the old version is unreadable");
  t.same((await store.secrets.getSecret("db"))?.versions, 1);
  const retired = (await store.audit.listAudit({ limit: 20 })).filter((e) => e.action === "secret.retire");
  t.same(
    retired.map((e) => [e.target, e.detail]),
    [["db", { version: 1 }]],
  );
});
