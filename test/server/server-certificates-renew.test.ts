// The server's own certificates (TLS on both ports, catalog signing) last 825
// days; nothing used to renew them, so on day 826 the whole fleet stopped
// converging (issue 12, item 10). They are renewed 30 days ahead, for the same
// key, while the server runs: new connections get the new TLS certificate, the
// next check-in gets a catalog signed by the new signing certificate. The
// server's clock is moved, not the machine's.
import t from "tap";
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:tls";
import { envelopeFromMessage } from "../../catalog/envelope.js";
import { createCertificateAuthority } from "../../pki/ca.js";
import { dataDirPaths } from "../../server/datadir.js";
import { fetchPage } from "../dashboard/_helpers.js";
import { eventually } from "./_helpers.js";
import { debianFacts, startRealServer } from "./_server.js";

const DAY_MS = 86_400_000;

/** The serial of the certificate a TLS server on localhost:`port` presents now. */
function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "localhost", port, ca, servername: "localhost", ALPNProtocols: ["h2", "http/1.1"] }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve(serial);
    });
    socket.on("error", reject);
  });
}

t.test("TLS and signing certificates are renewed 30 days ahead, without a restart", async (t) => {
  let now = new Date();
  const server = await startRealServer(t, { certificateCheck: { intervalMs: 100, now: () => now } });
  const paths = dataDirPaths(server.dataDir);
  const cert = (file: string) => new X509Certificate(readFileSync(file));
  const [tlsBefore, signerBefore] = [cert(paths.serverCert), cert(paths.signerCert)];
  const apiPort = Number(new URL(server.url).port);
  const grpcPort = Number(server.grpc.split(":").pop());
  const [agent] = await server.agents(["web-01"]);
  const signerOf = async () => {
    const answer = await agent.client.getCatalog({ facts: debianFacts(), haveDigest: "" });
    if (answer.result.case !== "catalog") throw new Error("no catalog");
    return envelopeFromMessage(answer.result.value).signatures[0].certPem;
  };
  t.equal(await servedSerial(apiPort, server.ca.certPem), tlsBefore.serialNumber, "the API port serves the certificate from init");
  t.equal(new X509Certificate(await signerOf()).serialNumber, signerBefore.serialNumber, "catalogs are signed by init's signer");

  // 800 days on: 25 days left, inside the 30-day window.
  now = new Date(Date.now() + 800 * DAY_MS);
  await eventually("the TLS certificate on disk is renewed", async () => cert(paths.serverCert).serialNumber !== tlsBefore.serialNumber);
  // Back to today: a certificate issued now is good for 825 days from the real clock, so
  // with the moved clock it would look due again at every round.
  now = new Date();
  const [tlsAfter, signerAfter] = [cert(paths.serverCert), cert(paths.signerCert)];
  t.not(signerAfter.serialNumber, signerBefore.serialNumber, "the signing certificate too");
  t.ok(Date.parse(tlsAfter.validTo) > Date.parse(tlsBefore.validTo), "valid for longer");
  t.ok(tlsAfter.publicKey.equals(tlsBefore.publicKey), "for the same key: the install line's key pin stays right");
  t.equal(tlsAfter.subjectAltName, tlsBefore.subjectAltName, "and the same names");
  t.ok(tlsAfter.checkIssued(new X509Certificate(server.ca.certPem)), "certified by the CA agents pin");

  await eventually("the API port serves the renewed certificate", async () => (await servedSerial(apiPort, server.ca.certPem)) === tlsAfter.serialNumber);
  await eventually("the agent port serves it", async () => (await servedSerial(grpcPort, server.ca.certPem)) === tlsAfter.serialNumber);
  const signedBy = new X509Certificate(await signerOf());
  t.equal(signedBy.serialNumber, signerAfter.serialNumber, `the next check-in gets a catalog signed by the renewed signer`);
  const stillServed = await server.api("GET", "/api/v1/nodes");
  t.equal(stillServed.status, 200, "the API kept answering throughout");
});

t.test("the dashboard warns from 30 days before a server certificate expires (the CA, which is not renewed)", async (t) => {
  const server = await startRealServer(t);
  const before = await fetchPage(server, "/", { token: server.adminToken });
  t.equal(before.status, 200);
  t.notMatch(before.text, /id="certificate-expiry"/, "nothing to say while all are far from their end");
  // As if the CA were 10 days from its end. The server reads its certificates' dates at start, at
  // each renewal and on SIGHUP (this process is the server's).
  writeFileSync(dataDirPaths(server.dataDir).caCert, createCertificateAuthority("Ancla CA (ending)", 10).certPem);
  process.kill(process.pid, "SIGHUP");
  const after = await eventually("the fleet page warns", async () => {
    const page = await fetchPage(server, "/", { token: server.adminToken });
    return page.text.includes('id="certificate-expiry"') ? page : undefined;
  });
  t.match(after.text, /id="certificate-expiry"[\s\S]*the CA certificate \(rotate it: docs\/operations\.md\) expires <time[^>]*>in (9|10) d<\/time>/, "the fleet page says which, when, and what to do");
});
