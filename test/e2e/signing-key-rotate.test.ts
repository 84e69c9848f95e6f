// Attack: the catalog-signing key leaked, and agents never checked whether
// its certificate was revoked (issue 11, item 10). `ancla-server
// signing-key rotate` makes a new key and revokes the old certificate; the
// running server signs with the new key at once (SIGHUP), agents learn the
// revocation with their next check-in and then refuse what the old key
// signed, from the wire and from their cache alike.
import t from "tap";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { loadCachedEnvelope, saveCachedEnvelope } from "../../agent/state/catalog-cache.js";
import { stateLayout } from "../../agent/state/layout.js";
import { readCrl } from "../../pki/crl-read.js";
import { normalizeSerialHex } from "../../pki/serial.js";
import { dataDirPaths } from "../../server/datadir.js";
import { fleetWithAgent, parseReport } from "../helpers/fleet.js";
import { cli } from "../helpers/processes.js";

t.test("a rotated signing key is revoked: agents refuse what it signed, from the wire and the cache", async (t) => {
  const { fleet, agent } = await fleetWithAgent(t);
  const layout = stateLayout(agent.stateDir);
  const paths = dataDirPaths(fleet.dataDir);
  const caPem = readFileSync(paths.caCert, "utf8");
  const signedBy = async () => normalizeSerialHex(new X509Certificate((await loadCachedEnvelope(layout)).envelope!.signatures[0].certPem).serialNumber);
  const oldSerial = await signedBy();
  const oldSigned = (await loadCachedEnvelope(layout)).envelope!;
  t.ok(existsSync(layout.crl), "the agent holds the CA's revocation list from its check-in");
  t.equal(readCrl(readFileSync(layout.crl), caPem).serials.size, 0, "which revokes nothing yet");

  const rotated = await cli("server", ["signing-key", "rotate", "--data-dir", fleet.dataDir, "--json"]);
  t.equal(rotated.code, 0, rotated.stderr);
  const result = JSON.parse(rotated.stdout) as { revokedSerial: string; serial: string; serverReloaded: boolean };
  t.equal(result.revokedSerial, oldSerial, "the old signing certificate is revoked");
  t.not(result.serial, oldSerial);
  t.equal(result.serverReloaded, true, "the running server was told");
  t.equal(normalizeSerialHex(new X509Certificate(readFileSync(paths.signerCert)).serialNumber), result.serial, "the new certificate is in the data dir");

  const run = await agent.run();
  t.equal(run.code, 0, `the next run changes nothing and reports no problem (${run.stderr})`);
  const report = parseReport(run.stdout);
  t.equal(report.catalogSource, "server");
  t.same(report.logs?.filter((l) => l.code) ?? [], [], "no problem is reported for the catalog it replaced");
  t.equal(await signedBy(), result.serial, "the cache holds the catalog signed by the new key");
  t.ok(readCrl(readFileSync(layout.crl), caPem).serials.has(oldSerial), "the agent's revocation list now lists the old certificate");

  // A catalog signed by the leaked key, put back in the cache while the server is away.
  await saveCachedEnvelope(layout, oldSigned);
  t.equal(await fleet.stop(), 0, "the server stops");
  const offline = await agent.run();
  t.not(offline.code, 0, "nothing is applied");
  const refused = parseReport(offline.stdout);
  t.equal(refused.catalogSource, "none");
  t.match(
    refused.logs,
    [{ code: "ANCLA_E_SERVER_UNREACHABLE" }, { code: "ANCLA_E_SIGNATURE_INVALID", message: new RegExp(`signer certificate ${oldSerial} is revoked`) }],
    "the cached copy is refused: its signer is revoked",
  );

  const misuse = await cli("server", ["signing-key", "rotate", "now"]);
  t.equal(misuse.code, 64, "two actions are a usage error (EX_USAGE)");
  t.match(misuse.stderr, /expected 1 argument/);
});
