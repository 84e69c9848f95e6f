import t from "tap";
import { createCertificateAuthority } from "../../pki/ca.js";
import { readCrl } from "../../pki/crl-read.js";
import { publicKeySha256 } from "../../pki/keys.js";
import { verifyCertificate } from "../../pki/verify.js";
import { CertificateService } from "../../server/ca/service.js";
import { agentCsr, tempStore } from "./_helpers.js";

const ca = createCertificateAuthority("Revoke CA");

t.test("revoking marks the serial revoked, lists it in a fresh CRL, and frees the certname", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 7 });
  const { token } = await certs.createBootstrapToken({ ttlSeconds: 60, oneTime: false }, "admin");
  const { csrPem, keys } = agentCsr("web-01");
  const cert = (await certs.submitCsr(csrPem, token)).certPem!;
  const serial = verifyCertificate(cert, ca.certPem, { usage: "client" }).serialHex;
  const other = verifyCertificate((await certs.submitCsr(agentCsr("web-02").csrPem, token)).certPem!, ca.certPem, { usage: "client" }).serialHex;

  const before = readCrl(await certs.crlDer(), ca.certPem);
  t.equal(before.serials.size, 0, "nothing revoked yet");
  t.equal(await certs.isRevoked(serial), false);

  const revoked = await certs.revoke("web-01", "token:ops");
  t.same(revoked.serials, [serial]);
  t.equal(await certs.isRevoked(serial), true);
  t.equal(await certs.isRevoked(serial.toUpperCase()), true, "any spelling of the serial");
  t.equal(await certs.isRevoked(other), false, "other nodes are untouched");

  const after = readCrl(await certs.crlDer(), ca.certPem);
  t.same([...after.serials], [serial], "the cached CRL was rebuilt");
  t.ok(after.nextUpdate > new Date(), "valid into the future");

  t.equal((await certs.getCertificate("web-01", publicKeySha256(keys.publicKeyPem))).state, "revoked");
  t.equal((await certs.submitCsr(agentCsr("web-01").csrPem, undefined)).state, "pending", "the rebuilt host may ask again");
  t.ok((await store.audit.listAudit({ limit: 20 })).some((e) => e.action === "cert.revoke" && e.target === "web-01"));
});

t.test("revoking a certname without a certificate is an error", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 7 });
  await t.rejects(() => certs.revoke("nobody", "ops"), { code: "ANCLA_E_CERT_UNKNOWN" });
  await certs.submitCsr(agentCsr("web-01").csrPem, undefined);
  await t.rejects(() => certs.revoke("web-01", "ops"), { code: "ANCLA_E_CERT_UNKNOWN" }, "a waiting request is not a certificate");
});

t.test("the CRL is cached between revocations", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 7 });
  t.equal(await certs.crlDer(), await certs.crlDer());
});
