// An agent RPC finds its connection's verified certificate by the DER Buffer
// the listener keeps for that connection: the chain is verified once per
// connection, not once per call, and never re-encoded to be looked up; the
// revocation check still runs on every call.
import t from "tap";
import { X509Certificate } from "node:crypto";
import { createCertificateAuthority, issueCertificate, randomSerialHex } from "../../pki/ca.js";
import { generateKeyPair } from "../../pki/keys.js";
import { peerAuthenticator, type PeerTrust } from "../../server/grpc/peer.js";

function clientCertDer(ca: ReturnType<typeof createCertificateAuthority>): Buffer {
  const certPem = issueCertificate(ca, { commonName: "web-01", publicKeyPem: generateKeyPair().publicKeyPem, usage: "client", serialHex: randomSerialHex(), validityDays: 30 });
  return new X509Certificate(certPem).raw;
}

t.test("a connection's certificate is verified once; revocation is checked on every call", async (t) => {
  const ca = createCertificateAuthority("Ancla Test CA", 30);
  const der = clientCertDer(ca);
  const revoked = new Set<string>();
  const trust: PeerTrust = { caCertPem: ca.certPem, isRevoked: async (serial) => revoked.has(serial) };
  let connection = der;
  const authenticate = peerAuthenticator(trust, () => connection);
  const call = { getPeer: () => "127.0.0.1:5000" };

  const identity = await authenticate(call);
  t.equal(identity.certname, "web-01");

  // Another CA from now on: the open connection's verified certificate is kept (not verified again) ...
  trust.caCertPem = createCertificateAuthority("Another CA", 30).certPem;
  t.same(await authenticate(call), identity, "the same connection is not verified again");
  // ... while a new connection presenting the same bytes is verified anew.
  connection = Buffer.from(der);
  await t.rejects(authenticate(call), /not issued by this CA/, "a new connection's certificate is verified");

  connection = der;
  revoked.add(identity.serialHex);
  await t.rejects(authenticate(call), /ANCLA_E_CERT_REVOKED/, "a revoked certificate is refused though its verification is cached");
});
