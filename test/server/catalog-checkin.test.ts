// The catalog service answers check-ins: unchanged inputs are "not modified"
// without recompiling; volatile facts never trigger a compile; the same body
// is not re-signed; a site edit gets a higher serial; a compile failure is
// recorded; a restarted server carries on from the stored catalog.
import t from "tap";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Facts, SiteCompiler } from "../../catalog/compile-seam.js";
import { createSiteCompiler } from "../../catalog/site/create-site-compiler.js";
import { CATALOG_PAYLOAD_TYPE, type Catalog } from "../../catalog/model.js";
import { createCertificateAuthority, issueCertificate, randomSerialHex } from "../../pki/ca.js";
import { verifyEnvelope } from "../../pki/dsse.js";
import { generateKeyPair } from "../../pki/keys.js";
import { ContentStore } from "../../server/catalogs/content-store.js";
import { CatalogService } from "../../server/catalogs/service.js";
import { openStore } from "../../server/store/index.js";
import { tempDir } from "./_helpers.js";

const ca = createCertificateAuthority("test CA");
const signerKeys = generateKeyPair();
const signer = {
  keyPem: signerKeys.privateKeyPem,
  certPem: issueCertificate(ca, { commonName: "signer", publicKeyPem: signerKeys.publicKeyPem, usage: "catalog-signing", serialHex: randomSerialHex(), validityDays: 1 }),
};

function writeSite(dir: string, motd: string): void {
  mkdirSync(join(dir, "modules/base/files"), { recursive: true });
  writeFileSync(join(dir, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [base]\n');
  // Over the 16 KiB inline limit, so it travels by digest.
  writeFileSync(join(dir, "modules/base/files/big.bin"), "x".repeat(20_000));
  writeFileSync(
    join(dir, "modules/base/module.yaml"),
    `resources:\n  - type: file\n    title: /etc/motd\n    content: "${motd} \${node.name}\\n"\n  - type: file\n    title: /etc/big.bin\n    source: files/big.bin\n`,
  );
}

/** The real compiler, counting its compiles. */
function counting(inner: SiteCompiler): SiteCompiler & { compiles: number } {
  const c = {
    compiles: 0,
    siteVersion: () => inner.siteVersion(),
    compile: (certname: string, facts: Facts) => {
      c.compiles++;
      return inner.compile(certname, facts);
    },
  };
  return c;
}

function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = tempDir(t);
  const site = join(dir, "site");
  writeSite(site, "hello");
  const store = openStore(join(dir, "ancla.db"));
  t.teardown(() => store.close());
  const content = new ContentStore(join(dir, "content"));
  const compiler = counting(createSiteCompiler(site));
  const service = () => new CatalogService(store, compiler, signer, content, { ttlSeconds: 3600 });
  return { site, store, content, compiler, service };
}

const facts = (extra: Facts = {}): Facts => ({ os: { family: "debian" }, uptime_seconds: 5, ...extra });

function payload(answer: Awaited<ReturnType<CatalogService["checkin"]>>): Catalog {
  if (answer.notModified) throw new Error("expected a catalog");
  return JSON.parse(Buffer.from(verifyEnvelope(answer.envelope, ca.certPem, CATALOG_PAYLOAD_TYPE)).toString("utf8")) as Catalog;
}

t.test("unchanged check-ins are not modified and not recompiled", async (t) => {
  const { compiler, service } = setup(t);
  const catalogs = service();
  const first = await catalogs.checkin("web-01", facts(), "");
  const catalog = payload(first);
  t.equal(catalog.certname, "web-01");
  t.equal(catalog.serial, 1);
  t.equal(catalog.digest, first.digest);
  t.equal(compiler.compiles, 1);

  const again = await catalogs.checkin("web-01", facts({ uptime_seconds: 999 }), first.digest);
  t.same(again, { notModified: true, digest: first.digest }, "not modified");
  t.equal(compiler.compiles, 1, "a volatile fact does not recompile");

  const lost = await catalogs.checkin("web-01", facts(), "");
  t.equal(lost.notModified, false, "an agent without the catalog gets it again");
  t.equal(payload(lost).serial, 1, "the same signed catalog");
  t.equal(compiler.compiles, 1);
});

t.test("changed facts recompile, but the same body is not re-signed", async (t) => {
  const { compiler, service } = setup(t);
  const catalogs = service();
  const first = await catalogs.checkin("web-01", facts(), "");
  const after = await catalogs.checkin("web-01", facts({ os: { family: "redhat" } }), first.digest);
  t.equal(compiler.compiles, 2, "recompiled for new facts");
  t.same(after, { notModified: true, digest: first.digest }, "same body: not modified");
});

t.test("a site edit gives a new catalog with a higher serial", async (t) => {
  const { site, service } = setup(t);
  const catalogs = service();
  const first = await catalogs.checkin("web-01", facts(), "");
  writeSite(site, "changed");
  const second = await catalogs.checkin("web-01", facts(), first.digest);
  const catalog = payload(second);
  t.equal(catalog.serial, 2);
  t.not(second.digest, first.digest);
  t.match(JSON.stringify(catalog.resources), /changed web-01/);
});

t.test("content named by digest is stored and only the node's catalog may fetch it", async (t) => {
  const { content, service } = setup(t);
  const catalogs = service();
  const catalog = payload(await catalogs.checkin("web-01", facts(), ""));
  const sha = catalog.resources.find((r) => r.title === "/etc/big.bin")?.properties.content_sha256 as string;
  t.match(sha, /^[0-9a-f]{64}$/);
  t.ok(content.has(sha), "stored");
  t.ok(await catalogs.mayFetch("web-01", sha));
  t.notOk(await catalogs.mayFetch("web-02", sha), "another node may not");
  t.notOk(await catalogs.mayFetch("web-01", "0".repeat(64)));
});

t.test("a compile failure is recorded and cleared by the next good compile", async (t) => {
  const { site, store, service } = setup(t);
  const catalogs = service();
  await catalogs.checkin("web-01", facts(), "");
  writeFileSync(join(site, "nodes.yaml"), "nodes: [\n");
  await t.rejects(catalogs.checkin("web-01", facts(), ""), { code: "ANCLA_E_COMPILE", message: /nodes\.yaml:\d+:\d+/ });
  t.ok(await store.catalogs.getCompileFailure("web-01"), "recorded");
  writeSite(site, "fixed");
  await catalogs.checkin("web-01", facts(), "");
  t.notOk(await store.catalogs.getCompileFailure("web-01"), "cleared");
});

t.test("a restarted server carries on from the stored catalog", async (t) => {
  const { compiler, service } = setup(t);
  const first = await service().checkin("web-01", facts(), "");
  const restarted = service();
  const again = await restarted.checkin("web-01", facts(), first.digest);
  t.same(again, { notModified: true, digest: first.digest });
  t.equal(compiler.compiles, 1, "the stored inputs key spares the compile");
});
