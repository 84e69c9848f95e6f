import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import forge from "node-forge";
import t from "tap";
import { createCertificateAuthority, issueCertificate, randomSerialHex, type IssueRequest } from "../../pki/ca.js";
import { generateKeyPair } from "../../pki/keys.js";

const ca = createCertificateAuthority("Ancla Test CA", 30);
const leaf = generateKeyPair();
const DAY = 86_400_000;

function issue(over: Partial<IssueRequest>): string {
  return issueCertificate(ca, { commonName: "web01.example", publicKeyPem: leaf.publicKeyPem, usage: "client", serialHex: randomSerialHex(), validityDays: 7, ...over });
}

function ext<T>(pem: string, name: string): T {
  return forge.pki.certificateFromPem(pem).getExtension(name) as T;
}

/** Runs `openssl verify` on `pem` against the CA; returns its combined output. */
function opensslVerify(dir: string, pem: string, purpose: string): string {
  writeFileSync(join(dir, "ca.pem"), ca.certPem);
  writeFileSync(join(dir, "leaf.pem"), pem);
  try {
    return execFileSync("openssl", ["verify", "-purpose", purpose, "-CAfile", join(dir, "ca.pem"), join(dir, "leaf.pem")], { encoding: "utf8", stdio: "pipe" });
  } catch (err) {
    return String((err as { stdout?: string }).stdout) + String((err as { stderr?: string }).stderr);
  }
}

t.test("the CA is a self-signed CA with keyCertSign and cRLSign", async (t) => {
  const x = new X509Certificate(ca.certPem);
  t.ok(x.ca, "basicConstraints CA:true");
  t.ok(x.checkIssued(x) && x.verify(x.publicKey), "self-signed");
  t.match(x.subject, "CN=Ancla Test CA");
  t.match(ext(ca.certPem, "basicConstraints"), { cA: true, critical: true });
  t.match(ext(ca.certPem, "keyUsage"), { keyCertSign: true, cRLSign: true, digitalSignature: false });
  t.ok(ext<{ subjectKeyIdentifier: string }>(ca.certPem, "subjectKeyIdentifier").subjectKeyIdentifier);
  t.ok(Math.abs(Date.parse(x.validTo) - Date.now() - 30 * DAY) < 60_000, "validity in days");
});

t.test("a client certificate chains to the CA for client auth only", async (t) => {
  const pem = issue({ usage: "client" });
  const dir = t.testdir();
  t.match(opensslVerify(dir, pem, "sslclient"), /leaf\.pem: OK/);
  t.notMatch(opensslVerify(dir, pem, "sslserver"), /leaf\.pem: OK/);
  t.match(ext(pem, "extKeyUsage"), { clientAuth: true, serverAuth: undefined, codeSigning: undefined });
  t.match(ext(pem, "keyUsage"), { digitalSignature: true, keyEncipherment: true, keyCertSign: false });
  t.match(ext(pem, "basicConstraints"), { cA: false, critical: true });
});

t.test("the authority key identifier is the CA's subject key identifier", async (t) => {
  const out = execFileSync("openssl", ["x509", "-noout", "-ext", "authorityKeyIdentifier"], { input: issue({}), encoding: "utf8" });
  const ski = ext<{ subjectKeyIdentifier: string }>(ca.certPem, "subjectKeyIdentifier").subjectKeyIdentifier;
  t.match(out.replace(/[\s:]/g, "").toLowerCase(), ski);
});

t.test("a server certificate names the CN and the DNS names as SANs", async (t) => {
  const pem = issue({ usage: "server", commonName: "ancla.example", dnsNames: ["localhost", "ancla.example"] });
  t.match(opensslVerify(t.testdir(), pem, "sslserver"), /leaf\.pem: OK/);
  t.equal(new X509Certificate(pem).subjectAltName, "DNS:ancla.example, DNS:localhost");
  t.match(ext(pem, "extKeyUsage"), { serverAuth: true, clientAuth: undefined });
});

t.test("a catalog-signing certificate is for code signing and digital signatures only", async (t) => {
  const pem = issue({ usage: "catalog-signing", commonName: "catalog-signer" });
  t.match(ext(pem, "extKeyUsage"), { codeSigning: true, clientAuth: undefined, serverAuth: undefined });
  t.match(ext(pem, "keyUsage"), { digitalSignature: true, keyEncipherment: false });
});

t.test("notBefore is backdated by the skew, notAfter is validityDays ahead", async (t) => {
  const before = Date.now();
  const x = new X509Certificate(issue({ skewSeconds: 3600, validityDays: 2 }));
  t.ok(Math.abs(before - 3600_000 - Date.parse(x.validFrom)) < 5_000, x.validFrom);
  t.ok(Math.abs(before + 2 * DAY - Date.parse(x.validTo)) < 5_000, x.validTo);
  const y = new X509Certificate(issue({}));
  t.ok(Math.abs(before - DAY - Date.parse(y.validFrom)) < 5_000, "default skew is a day");
});

t.test("serials stay positive and keep their value", async (t) => {
  // Without the 00 pad, openssl would print this serial as "(Negative)".
  t.match(execFileSync("openssl", ["x509", "-noout", "-text"], { input: issue({ serialHex: "ff01" }), encoding: "utf8" }), "Serial Number: 65281 (0xff01)");
  t.equal(new X509Certificate(issue({ serialHex: "000abc" })).serialNumber, "0ABC");
  t.throws(() => issue({ serialHex: "xyz" }), { code: "ANCLA_E_USAGE" });
  t.throws(() => issue({ validityDays: 0 }), { code: "ANCLA_E_USAGE" });
});

t.test("randomSerialHex gives distinct canonical positive 16-byte serials", async (t) => {
  const serials = Array.from({ length: 200 }, randomSerialHex);
  t.equal(new Set(serials).size, serials.length);
  for (const s of serials) {
    t.ok(/^[1-9a-f][0-9a-f]*$/.test(s) && s.length <= 32, s);
    if (s.length === 32) t.ok(parseInt(s[0], 16) < 8, `top bit clear: ${s}`);
  }
  t.ok(
    serials.some((s) => s.length >= 31),
    "uses the full width",
  );
});
