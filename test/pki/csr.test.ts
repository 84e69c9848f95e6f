import { execFileSync } from "node:child_process";
import forge from "node-forge";
import t from "tap";
import { createCsr, isValidCertname, verifyCsr } from "../../pki/csr.js";
import { generateKeyPair, publicKeySha256 } from "../../pki/keys.js";

const agent = generateKeyPair();
const intruder = generateKeyPair();

/** A CSR built by hand, so the tests can make ones createCsr refuses to make. */
function forgeCsr(subject: forge.pki.CertificateField[], signWith = agent.privateKeyPem, publicKeyPem = agent.publicKeyPem): string {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  csr.setSubject(subject);
  csr.sign(forge.pki.privateKeyFromPem(signWith), forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

t.test("a CSR round-trips: certname and public key come back", async (t) => {
  const csr = createCsr(agent.privateKeyPem, "web-01.dc1.example");
  const verified = verifyCsr(csr);
  t.equal(verified.certname, "web-01.dc1.example");
  t.equal(verified.publicKeySha256, publicKeySha256(agent.publicKeyPem));
  t.equal(verified.publicKeySha256, publicKeySha256(agent.privateKeyPem));
  t.equal(publicKeySha256(verified.publicKeyPem), publicKeySha256(agent.publicKeyPem));
  t.not(verified.publicKeySha256, publicKeySha256(intruder.publicKeyPem));
});

t.test("openssl accepts the CSR's self-signature", async (t) => {
  const out = execFileSync("openssl", ["req", "-verify", "-noout", "-subject"], { input: createCsr(agent.privateKeyPem, "node7"), encoding: "utf8", stdio: "pipe" });
  t.match(out, /subject=CN ?= ?node7/);
});

t.test("createCsr refuses an invalid certname", async (t) => {
  t.throws(() => createCsr(agent.privateKeyPem, "Web01"), { code: "ANCLA_E_USAGE" });
});

t.test("verifyCsr refuses a bad certname, a missing CN and a foreign signature", async (t) => {
  t.throws(() => verifyCsr(forgeCsr([{ name: "commonName", value: "../etc/passwd" }])), { code: "ANCLA_E_CSR_INVALID", message: /invalid certname/ });
  t.throws(() => verifyCsr(forgeCsr([{ name: "organizationName", value: "acme" }])), { code: "ANCLA_E_CSR_INVALID", message: /no subject CN/ });
  const mismatched = forgeCsr([{ name: "commonName", value: "web01" }], intruder.privateKeyPem);
  t.throws(() => verifyCsr(mismatched), { code: "ANCLA_E_CSR_INVALID", message: /signature/ });
  t.ok(verifyCsr(forgeCsr([{ name: "commonName", value: "web01" }])), "the hand-built CSR is otherwise fine");
});

t.test("verifyCsr refuses a corrupted CSR", async (t) => {
  const pem = createCsr(agent.privateKeyPem, "web01");
  const der = Buffer.from(forge.pem.decode(pem)[0].body, "binary");
  const cnAt = der.indexOf("web01");
  der[cnAt] ^= 0x02; // "ueb01": still well formed, no longer what was signed
  const tampered = forge.pem.encode({ type: "CERTIFICATE REQUEST", body: der.toString("binary") });
  t.throws(() => verifyCsr(tampered), { code: "ANCLA_E_CSR_INVALID", message: /signature/ });
  const truncated = forge.pem.encode({ type: "CERTIFICATE REQUEST", body: der.subarray(0, 100).toString("binary") });
  t.throws(() => verifyCsr(truncated), { code: "ANCLA_E_CSR_INVALID", message: /cannot be parsed/ });
  t.throws(() => verifyCsr("not a csr"), { code: "ANCLA_E_CSR_INVALID" });
});

t.test("isValidCertname follows the documented syntax", async (t) => {
  for (const ok of ["a", "0", "web01", "web-01.dc_1.example", "a".repeat(253)]) t.ok(isValidCertname(ok), ok);
  for (const bad of ["", "-web", ".web", "_web", "Web01", "web 01", "web/01", "wéb", "a".repeat(254), "web01\n"]) t.notOk(isValidCertname(bad), JSON.stringify(bad));
});
