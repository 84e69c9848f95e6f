import { X509Certificate } from "node:crypto";
import t from "tap";
import { createCertificateAuthority, issueCertificate, type CertificateUsage } from "../../pki/ca.js";
import { generateKeyPair } from "../../pki/keys.js";
import { verifyCertificate } from "../../pki/verify.js";

const ca = createCertificateAuthority("Verify CA");
const foreign = createCertificateAuthority("Foreign CA");
const leaf = generateKeyPair();
const DAY = 86_400_000;

function issue(usage: CertificateUsage, from = ca, serialHex = "1a2b3c"): string {
  return issueCertificate(from, { commonName: "db01.example", publicKeyPem: leaf.publicKeyPem, usage, serialHex, validityDays: 10 });
}

const client = issue("client");

t.test("a certificate the CA issued verifies, as PEM or DER", async (t) => {
  const result = verifyCertificate(client, ca.certPem, { usage: "client" });
  t.match(result, { commonName: "db01.example", serialHex: "1a2b3c", usage: "client" });
  t.equal(result.notAfter.getTime(), Date.parse(new X509Certificate(client).validTo));
  t.same(verifyCertificate(new Uint8Array(new X509Certificate(client).raw), ca.certPem, { usage: "client" }), result);
});

t.test("serials come back in canonical form (lowercase, no leading zeros)", async (t) => {
  t.equal(verifyCertificate(issue("server", ca, "00ABCDEF"), ca.certPem, { usage: "server" }).serialHex, "abcdef");
  t.equal(verifyCertificate(issue("server", ca, "f0"), ca.certPem, { usage: "server" }).serialHex, "f0");
});

t.test("each usage verifies only for itself", async (t) => {
  const usages: CertificateUsage[] = ["client", "server", "catalog-signing"];
  for (const issued of usages) {
    const pem = issue(issued);
    for (const wanted of usages) {
      if (issued === wanted) t.ok(verifyCertificate(pem, ca.certPem, { usage: wanted }), `${issued} as ${wanted}`);
      else t.throws(() => verifyCertificate(pem, ca.certPem, { usage: wanted }), { code: "ANCLA_E_CERT_INVALID", message: /not issued for/ }, `${issued} as ${wanted}`);
    }
  }
  t.throws(() => verifyCertificate(ca.certPem, ca.certPem, { usage: "client" }), { code: "ANCLA_E_CERT_INVALID" }, "the CA itself is no client");
});

t.test("a certificate from a foreign CA is refused", async (t) => {
  t.throws(() => verifyCertificate(issue("client", foreign), ca.certPem, { usage: "client" }), { code: "ANCLA_E_CERT_INVALID", message: /not issued by this CA/ });
});

t.test("a certificate is refused outside its validity window", async (t) => {
  t.throws(() => verifyCertificate(client, ca.certPem, { usage: "client", now: new Date(Date.now() + 11 * DAY) }), { code: "ANCLA_E_CERT_INVALID", message: /expired/ });
  t.throws(
    () => verifyCertificate(client, ca.certPem, { usage: "client", now: new Date(Date.now() - 2 * DAY) }),
    { code: "ANCLA_E_CERT_INVALID", message: /not valid before/ },
    "a day before issue is covered by the backdating; two days before is not",
  );
  t.ok(verifyCertificate(client, ca.certPem, { usage: "client", now: new Date(Date.now() + 9 * DAY) }));
});

t.test("a tampered or unparsable certificate is refused", async (t) => {
  const der = Buffer.from(new X509Certificate(client).raw);
  const cnAt = der.indexOf("db01.example");
  t.ok(cnAt > 0);
  der[cnAt] ^= 0x01; // "eb01.example": still parses, signature no longer matches
  t.throws(() => verifyCertificate(new Uint8Array(der), ca.certPem, { usage: "client" }), { code: "ANCLA_E_CERT_INVALID" });
  t.throws(() => verifyCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", ca.certPem, { usage: "client" }), { code: "ANCLA_E_CERT_INVALID", message: /cannot be parsed/ });
  t.throws(() => verifyCertificate(new Uint8Array([1, 2, 3]), ca.certPem, { usage: "client" }), { code: "ANCLA_E_CERT_INVALID" });
});

t.test("the CN comes back exactly as issued, also where Node's subject text would escape it", async (t) => {
  for (const commonName of ["Signer, Ops + Sec = 1", "signer/ünïcode", "db01.example"]) {
    const pem = issueCertificate(ca, { commonName, publicKeyPem: leaf.publicKeyPem, usage: "catalog-signing", serialHex: "77", validityDays: 10 });
    t.equal(verifyCertificate(pem, ca.certPem, { usage: "catalog-signing" }).commonName, commonName, commonName);
  }
});
