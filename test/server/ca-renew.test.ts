// An agent renews its own certificate: a new serial for its certname, the old
// one still valid until it expires, and never a certificate for another name.
import t from "tap";
import { createCertificateAuthority } from "../../pki/ca.js";
import { publicKeySha256 } from "../../pki/keys.js";
import { verifyCertificate } from "../../pki/verify.js";
import { CertificateService } from "../../server/ca/service.js";
import { agentCsr, tempStore } from "./_helpers.js";

const ca = createCertificateAuthority("Renew CA");

/** A CA service with web-01's request signed by an operator. */
async function signedByOperator(t: Parameters<typeof tempStore>[0]) {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 90 });
  const host = agentCsr("web-01");
  await certs.submitCsr(host.csrPem, undefined);
  await certs.sign("web-01", "ops");
  return { store, certs, host };
}

t.test("renewal issues a new certificate for the caller's own certname", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 90 });
  const { token } = await certs.createBootstrapToken({ ttlSeconds: 60 }, "admin");
  const { csrPem } = agentCsr("web-01");
  const first = verifyCertificate((await certs.submitCsr(csrPem, token)).certPem!, ca.certPem, { usage: "client" });
  const renewed = await certs.renew("web-01", csrPem);
  const second = verifyCertificate(renewed.certPem, ca.certPem, { usage: "client" });
  t.equal(second.commonName, "web-01");
  t.not(second.serialHex, first.serialHex, "a new serial");
  t.equal(await certs.isRevoked(first.serialHex), false, "the old certificate stays valid until it expires");
  t.ok(
    (await store.audit.listAudit({ limit: 10 })).some((e) => e.action === "cert.renew" && e.target === "web-01"),
    "audited",
  );
  t.same((await certs.revoke("web-01", "ops")).serials.sort(), [first.serialHex, second.serialHex].sort(), "revoking the node revokes both");
});

t.test("a node cannot renew into another node's name", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 90 });
  await t.rejects(() => certs.renew("web-01", agentCsr("db-01").csrPem), { code: "ANCLA_E_PERMISSION_DENIED" });
});

t.test("a renewal for another key is refused: a stolen certificate mints nothing for the thief's key", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 90 });
  const { token } = await certs.createBootstrapToken({ ttlSeconds: 60 }, "admin");
  const host = agentCsr("web-01");
  const first = verifyCertificate((await certs.submitCsr(host.csrPem, token)).certPem!, ca.certPem, { usage: "client" });
  await t.rejects(() => certs.renew("web-01", agentCsr("web-01").csrPem), {
    code: "ANCLA_E_PERMISSION_DENIED",
    message: /must use the key of its current certificate.*ancla cert revoke web-01/,
  });
  t.same(
    (await certs.list()).map((c) => c.serialHex),
    [first.serialHex],
    "no certificate issued",
  );
  t.ok(
    (await store.audit.listAudit({ limit: 10 })).some((e) => e.action === "cert.renew-refused" && e.target === "web-01"),
    "the refusal is audited",
  );
  t.ok((await certs.renew("web-01", host.csrPem)).certPem, "the same key still renews");
});

t.test("a host offline past its certificate's expiry asks again with the same key: a renewal waits for an operator", async (t) => {
  const { store, certs, host } = await signedByOperator(t);
  const first = verifyCertificate((await certs.getCertificate("web-01", publicKeySha256(host.keys.publicKeyPem))).certPem!, ca.certPem, { usage: "client" });
  const later = new Date(first.notAfter.getTime() + 86_400_000);
  const { token } = await certs.createBootstrapToken({ ttlSeconds: 3600 }, "admin", later);

  await t.rejects(() => certs.renew("web-01", host.csrPem, later), { code: "ANCLA_E_PERMISSION_DENIED" }, "no live certificate to renew over mTLS");
  const asked = await certs.submitCsr(host.csrPem, token, later);
  t.equal(asked.state, "pending", "a valid bootstrap token does not sign a renewal of an expired certificate");
  t.equal((await store.certificates.listBootstrapTokens())[0].usedAt, undefined, "and is not spent");
  t.match(asked.message, new RegExp(`serial ${first.serialHex}\\) expired on ${first.notAfter.toISOString()}.*renewal with the same key.*ancla cert sign web-01`));
  const waiting = (await certs.list(later))[0];
  t.match(waiting, { state: "pending", renewalOf: first.serialHex }, "listed as a renewal of the expired certificate");
  t.equal((await certs.submitCsr(host.csrPem, undefined, later)).state, "pending", "asking again is answered the same");

  const signed = await certs.sign("web-01", "token:ops", later);
  t.not(signed.serialHex, first.serialHex);
  t.ok(
    (await store.audit.listAudit({ limit: 10 })).some((e) => e.action === "cert.sign" && e.detail.renewalOf === first.serialHex),
    "the signature is audited as a renewal",
  );
});

t.test("a revoked certificate's key asking again is an ordinary request, not a renewal", async (t) => {
  const { certs, host } = await signedByOperator(t);
  await certs.revoke("web-01", "ops");
  await certs.submitCsr(host.csrPem, undefined);
  t.match((await certs.list())[0], { state: "pending", renewalOf: undefined });
});
