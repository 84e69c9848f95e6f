import t, { type Test } from "tap";
import { createCertificateAuthority, issueCertificate, type CertificateUsage, type CertifiedKey } from "../../pki/ca.js";
import { pae, signEnvelope, verifyEnvelope, type DsseEnvelope } from "../../pki/dsse.js";
import { generateKeyPair, publicKeySha256 } from "../../pki/keys.js";
import { verifyCertificate } from "../../pki/verify.js";

const TYPE = "application/vnd.ancla.catalog+json";
const ca = createCertificateAuthority("DSSE CA");
const foreignCa = createCertificateAuthority("Foreign CA");
const signerKey = generateKeyPair();
const otherKey = generateKeyPair();

function certify(usage: CertificateUsage, key = signerKey, from = ca, validityDays = 30): CertifiedKey {
  const certPem = issueCertificate(from, { commonName: "catalog-signer", publicKeyPem: key.publicKeyPem, usage, serialHex: usage === "client" ? "c1" : "5191", validityDays });
  return { certPem, keyPem: key.privateKeyPem };
}

const signer = certify("catalog-signing");
const payload = new TextEncoder().encode('{"certname":"web01","version":42}');
const env = signEnvelope(TYPE, payload, signer);

function refused(t: Test, e: DsseEnvelope, message: RegExp, opts?: { now?: Date; revokedSerials?: Set<string> }, type = TYPE): void {
  t.throws(() => verifyEnvelope(e, ca.certPem, type, opts), { code: "ANCLA_E_SIGNATURE_INVALID", message });
}

t.test("pae follows DSSE v1, lengths in bytes", async (t) => {
  const enc = (s: string) => new TextEncoder().encode(s);
  t.equal(Buffer.from(pae("http://example.com/HelloWorld", enc("hello world"))).toString(), "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  t.equal(Buffer.from(pae("tÿpe", enc("é"))).toString(), "DSSEv1 5 tÿpe 2 é");
  t.equal(Buffer.from(pae("", new Uint8Array(0))).toString(), "DSSEv1 0  0 ");
});

t.test("a signed envelope verifies and yields the payload", async (t) => {
  t.same(Buffer.from(verifyEnvelope(env, ca.certPem, TYPE)), Buffer.from(payload));
  t.equal(env.signatures.length, 1);
  t.equal(env.signatures[0].keyid, publicKeySha256(signerKey.publicKeyPem));
  t.equal(env.signatures[0].certPem, signer.certPem);
});

t.test("a tampered payload or signature is refused", async (t) => {
  const payloadCopy = Uint8Array.from(payload);
  payloadCopy[payloadCopy.length - 3] ^= 0x01; // version 42 -> 43
  refused(t, { ...env, payload: payloadCopy }, /does not match the payload/);
  const sig = Uint8Array.from(env.signatures[0].sig);
  sig[10] ^= 0x80;
  refused(t, { ...env, signatures: [{ ...env.signatures[0], sig }] }, /does not match the payload/);
  refused(t, { ...env, signatures: [{ ...env.signatures[0], sig: sig.subarray(0, 100) }] }, /no signature verifies/);
});

t.test("the payload type must be the expected one, and is covered by the signature", async (t) => {
  refused(t, env, /payload type/, undefined, "application/vnd.other");
  refused(t, { ...env, payloadType: "application/vnd.other" }, /does not match the payload/, undefined, "application/vnd.other");
});

t.test("an envelope without signatures is refused", async (t) => {
  refused(t, { ...env, signatures: [] }, /no signatures/);
});

t.test("the signer's certificate must come from the CA, be for catalog signing, valid and not revoked", async (t) => {
  refused(t, signEnvelope(TYPE, payload, certify("catalog-signing", signerKey, foreignCa)), /not issued by this CA/);
  refused(t, signEnvelope(TYPE, payload, certify("client")), /not issued for catalog-signing/);
  refused(t, env, /expired/, { now: new Date(Date.now() + 31 * 86_400_000) });
  const serial = verifyCertificate(signer.certPem, ca.certPem, { usage: "catalog-signing" }).serialHex;
  refused(t, env, /revoked/, { revokedSerials: new Set([serial]) });
  t.ok(verifyEnvelope(env, ca.certPem, TYPE, { revokedSerials: new Set(["c1"]) }), "another revoked serial does not matter");
});

t.test("a valid certificate does not vouch for a signature by another key", async (t) => {
  const byOther = signEnvelope(TYPE, payload, { certPem: signer.certPem, keyPem: otherKey.privateKeyPem });
  refused(t, byOther, /does not match the payload/);
});

t.test("one good signature among bad ones is enough", async (t) => {
  const bad = signEnvelope(TYPE, payload, certify("client")).signatures[0];
  const both: DsseEnvelope = { ...env, signatures: [bad, ...env.signatures] };
  t.same(Buffer.from(verifyEnvelope(both, ca.certPem, TYPE)), Buffer.from(payload));
  refused(t, { ...env, signatures: [bad, bad] }, /no signature verifies/);
});
