// A renewed signing certificate reaches agents whose catalog did not change
// (issue 12, item 10): an agent holding a catalog signed by a certificate that
// ends within 30 days asks for it again without its digest, so the server
// sends a copy signed by its current certificate instead of "not modified"
// (which would leave the host with a cache it must refuse once that
// certificate expires).
import t from "tap";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { CATALOG_PAYLOAD_TYPE } from "../../catalog/model.js";
import { issueCertificate, randomSerialHex } from "../../pki/ca.js";
import { signEnvelope } from "../../pki/dsse.js";
import { generateKeyPair } from "../../pki/keys.js";
import { stateLayout } from "../../agent/state/layout.js";
import { loadCachedEnvelope, saveCachedEnvelope } from "../../agent/state/catalog-cache.js";
import { dataDirPaths } from "../../server/datadir.js";
import { fleetWithAgent, parseReport } from "../helpers/fleet.js";

t.test("a cached catalog whose signer ends within 30 days is fetched again, signed by the server's signer", async (t) => {
  const { fleet, agent } = await fleetWithAgent(t);
  const layout = stateLayout(agent.stateDir);
  const paths = dataDirPaths(fleet.dataDir);
  const serverSigner = new X509Certificate(readFileSync(paths.signerCert)).serialNumber;

  // The same catalog, as if signed by a signing certificate with 10 days left (certified by the same CA).
  const ca = { certPem: readFileSync(paths.caCert, "utf8"), keyPem: readFileSync(paths.caKey, "utf8") };
  const keys = generateKeyPair();
  const ending = {
    certPem: issueCertificate(ca, { commonName: "ancla catalog signer", publicKeyPem: keys.publicKeyPem, usage: "catalog-signing", serialHex: randomSerialHex(), validityDays: 10 }),
    keyPem: keys.privateKeyPem,
  };
  const held = (await loadCachedEnvelope(layout)).envelope!;
  await saveCachedEnvelope(layout, signEnvelope(CATALOG_PAYLOAD_TYPE, held.payload, ending));

  const run = await agent.run();
  t.equal(run.code, 0, `nothing to change (${run.stderr})`);
  t.equal(parseReport(run.stdout).catalogSource, "server");
  const cached = (await loadCachedEnvelope(layout)).envelope!;
  t.equal(new X509Certificate(cached.signatures[0].certPem).serialNumber, serverSigner, "the cache now holds the server's copy, signed by its current signer");
  const digest = (env: typeof held) => (JSON.parse(Buffer.from(env.payload).toString("utf8")) as { digest: string }).digest;
  t.equal(digest(cached), digest(held), "of the same catalog body");
});
