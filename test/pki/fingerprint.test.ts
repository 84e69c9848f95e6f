import { createHash, X509Certificate } from "node:crypto";
import t from "tap";
import { createCertificateAuthority } from "../../pki/ca.js";
import { certificateFingerprint, fingerprintMatches, normalizeFingerprint } from "../../pki/fingerprint.js";

const ca = createCertificateAuthority("Fingerprint CA");
const other = createCertificateAuthority("Other CA");
const digest = createHash("sha256").update(new X509Certificate(ca.certPem).raw).digest("hex");

t.test("certificateFingerprint is SHA256: and uppercase colon pairs of the DER digest", async (t) => {
  const fp = certificateFingerprint(ca.certPem);
  t.match(fp, /^SHA256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  t.equal(fp.slice(7).replaceAll(":", "").toLowerCase(), digest);
});

t.test("normalizeFingerprint accepts every documented form", async (t) => {
  const upperPairs = digest.toUpperCase().match(/../g)!.join(":");
  for (const form of [`SHA256:${upperPairs}`, `sha256:${digest}`, upperPairs, upperPairs.toLowerCase(), digest, digest.toUpperCase(), `  ${digest}\n`]) {
    t.equal(normalizeFingerprint(form), digest, form);
  }
});

t.test("normalizeFingerprint refuses anything else with ANCLA_E_USAGE", async (t) => {
  const bad = ["", "SHA256:", digest.slice(1), `${digest}00`, `SHA1:${digest}`, digest.replace(/^./, "g"), `${digest.slice(0, 3)}:${digest.slice(3)}`];
  for (const form of bad) t.throws(() => normalizeFingerprint(form), { code: "ANCLA_E_USAGE" }, JSON.stringify(form));
});

t.test("fingerprintMatches compares the certificate against a pin in any form", async (t) => {
  t.ok(fingerprintMatches(ca.certPem, certificateFingerprint(ca.certPem)));
  t.ok(fingerprintMatches(ca.certPem, digest.toUpperCase()));
  t.notOk(fingerprintMatches(ca.certPem, certificateFingerprint(other.certPem)));
  t.throws(() => fingerprintMatches(ca.certPem, "not-a-fingerprint"), { code: "ANCLA_E_USAGE" });
});
