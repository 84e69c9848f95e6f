import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { createCertificateAuthority, issueCertificate, randomSerialHex } from "../../pki/ca.js";
import { buildCrl } from "../../pki/crl.js";
import { readCrl } from "../../pki/crl-read.js";
import { generateKeyPair } from "../../pki/keys.js";

const ca = createCertificateAuthority("CRL CA");
const foreign = createCertificateAuthority("Foreign CA");
const leafKey = generateKeyPair();
const thisUpdate = new Date("2026-01-01T00:00:00Z");
const nextUpdate = new Date(Date.now() + 7 * 86_400_000);
nextUpdate.setUTCMilliseconds(0); // CRL times have second precision
const revokedSerial = randomSerialHex();
const highBitSerial = "80ff";
const entries = [
  { serialHex: revokedSerial, revokedAt: new Date("2026-01-02T03:04:05Z") },
  { serialHex: highBitSerial, revokedAt: new Date("2026-01-03T00:00:00Z") },
];
const crl = buildCrl(ca, entries, thisUpdate, nextUpdate);

function leaf(serialHex: string): string {
  return issueCertificate(ca, { commonName: "web01", publicKeyPem: leafKey.publicKeyPem, usage: "client", serialHex, validityDays: 5 });
}

function opensslCrlText(der: Uint8Array): string {
  return execFileSync("openssl", ["crl", "-inform", "DER", "-text", "-noout"], { input: der, encoding: "utf8", stdio: "pipe" });
}

/** `openssl verify -crl_check` of `certPem` against the CA and `der`; returns the combined output. */
function opensslVerify(dir: string, certPem: string, der: Uint8Array): string {
  const pem = `-----BEGIN X509 CRL-----\n${Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n")}\n-----END X509 CRL-----\n`;
  writeFileSync(join(dir, "ca.pem"), ca.certPem);
  writeFileSync(join(dir, "crl.pem"), pem);
  writeFileSync(join(dir, "leaf.pem"), certPem);
  const args = ["verify", "-crl_check", "-CAfile", join(dir, "ca.pem"), "-CRLfile", join(dir, "crl.pem"), join(dir, "leaf.pem")];
  try {
    return execFileSync("openssl", args, { encoding: "utf8", stdio: "pipe" });
  } catch (err) {
    return String((err as { stdout?: string }).stdout) + String((err as { stderr?: string }).stderr);
  }
}

t.test("openssl parses the CRL as a v2 CRL of this CA listing the serials", async (t) => {
  const text = opensslCrlText(crl);
  t.match(text, /Version 2 \(0x1\)/);
  t.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
  t.match(text, /Issuer: CN ?= ?CRL CA/);
  t.match(text, /Last Update: Jan {2}1 00:00:00 2026 GMT/);
  t.match(text, /X509v3 CRL Number/);
  t.match(text, /X509v3 Authority Key Identifier/);
  t.match(text, new RegExp(`Serial Number: 0?${revokedSerial.toUpperCase()}\\s+Revocation Date: Jan {2}2 03:04:05 2026 GMT`));
  t.match(text, /Serial Number: 80FF\s/, "a high-bit serial stays positive");
});

t.test("openssl verify -crl_check refuses the revoked certificate and accepts another", async (t) => {
  const dir = t.testdir();
  t.match(opensslVerify(dir, leaf(revokedSerial), crl), /certificate revoked/);
  t.match(opensslVerify(dir, leaf(randomSerialHex()), crl), /leaf\.pem: OK/);
});

t.test("an empty CRL is valid for openssl and lists nothing", async (t) => {
  const empty = buildCrl(ca, [], thisUpdate, nextUpdate);
  t.match(opensslCrlText(empty), /No Revoked Certificates/);
  t.match(opensslVerify(t.testdir(), leaf(revokedSerial), empty), /leaf\.pem: OK/);
  t.equal(readCrl(empty, ca.certPem).serials.size, 0);
});

t.test("readCrl returns the canonical serials and the update times", async (t) => {
  const read = readCrl(crl, ca.certPem);
  t.same([...read.serials].sort(), [revokedSerial, highBitSerial].sort());
  t.equal(read.thisUpdate.toISOString(), thisUpdate.toISOString());
  t.equal(read.nextUpdate.toISOString(), nextUpdate.toISOString());
});

t.test("dates from 2050 on are GeneralizedTime and still read back", async (t) => {
  const far = new Date("2061-05-06T07:08:09Z");
  const der = buildCrl(ca, [{ serialHex: "0a", revokedAt: far }], thisUpdate, far);
  t.match(opensslCrlText(der), /Next Update: May {2}6 07:08:09 2061 GMT/);
  t.equal(readCrl(der, ca.certPem).nextUpdate.toISOString(), far.toISOString());
  t.same([...readCrl(der, ca.certPem).serials], ["a"]);
});

t.test("readCrl refuses a CRL from another CA, a tampered one and garbage", async (t) => {
  t.throws(() => readCrl(crl, foreign.certPem), { code: "ANCLA_E_CERT_INVALID", message: /signature/ });
  const tampered = Buffer.from(crl);
  const serialAt = tampered.indexOf(Buffer.from(highBitSerial, "hex"));
  t.ok(serialAt > 0);
  tampered[serialAt + 1] ^= 0x01; // un-revoke 80ff by turning it into 80fe
  t.throws(() => readCrl(tampered, ca.certPem), { code: "ANCLA_E_CERT_INVALID", message: /signature/ });
  t.throws(() => readCrl(crl.subarray(0, crl.length - 10), ca.certPem), { code: "ANCLA_E_CERT_INVALID" });
  t.throws(() => readCrl(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), ca.certPem), { code: "ANCLA_E_CERT_INVALID" });
  t.throws(() => readCrl(new Uint8Array(0), ca.certPem), { code: "ANCLA_E_CERT_INVALID" });
});
