// An agent renews its own certificate: a new serial for its certname, the old
// one still valid until it expires, and never a certificate for another name.
import t from "tap";
import { createCertificateAuthority } from "../../pki/ca.js";
import { verifyCertificate } from "../../pki/verify.js";
import { CertificateService } from "../../server/ca/service.js";
import { agentCsr, tempStore } from "./_helpers.js";

const ca = createCertificateAuthority("Renew CA");

t.test("renewal issues a new certificate for the caller's own certname", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 90 });
  const { token } = certs.createBootstrapToken({ ttlSeconds: 60 }, "admin");
  const { csrPem } = agentCsr("web-01");
  const first = verifyCertificate(certs.submitCsr(csrPem, token).certPem!, ca.certPem, { usage: "client" });
  const renewed = certs.renew("web-01", csrPem);
  const second = verifyCertificate(renewed.certPem, ca.certPem, { usage: "client" });
  t.equal(second.commonName, "web-01");
  t.not(second.serialHex, first.serialHex, "a new serial");
  t.equal(certs.isRevoked(first.serialHex), false, "the old certificate stays valid until it expires");
  t.ok(store.listAudit({ limit: 10 }).some((e) => e.action === "cert.renew" && e.target === "web-01"), "audited");
  t.same(certs.revoke("web-01", "ops").serials.sort(), [first.serialHex, second.serialHex].sort(), "revoking the node revokes both");
});

t.test("a node cannot renew into another node's name", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 90 });
  t.throws(() => certs.renew("web-01", agentCsr("db-01").csrPem), { code: "ANCLA_E_PERMISSION_DENIED" });
});
