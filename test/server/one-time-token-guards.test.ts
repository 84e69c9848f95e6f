// A one-time bootstrap token is guarded twice, and each guard has its own
// job (issue 17, item 12 b): the service refuses a token it reads as used —
// before any certificate is made, and audited — and the store's claim is the
// atomic gate that two servers or two racing requests cannot both pass.
import t from "tap";
import { createCertificateAuthority } from "../../pki/ca.js";
import { CertificateService } from "../../server/ca/service.js";
import { hashSecret } from "../../server/ca/secrets.js";
import { agentCsr, tempStore } from "./_helpers.js";

const ca = createCertificateAuthority("Token guard CA");

t.test("a used one-time token is refused by the service: audited, nothing signed", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 7 });
  const { token, id } = await certs.createBootstrapToken({ ttlSeconds: 3600 }, "admin");
  t.equal((await certs.submitCsr(agentCsr("web-01").csrPem, token)).state, "signed");
  await t.rejects(() => certs.submitCsr(agentCsr("web-02").csrPem, token), { code: "ANCLA_E_TOKEN_INVALID" });
  const refusals = (await store.audit.listAudit({ limit: 20 })).filter((e) => e.action === "csr.token-refused" && e.target === "web-02");
  t.equal(refusals.length, 1, "the refusal is in the audit log, which only the service's own check writes");
  t.equal(await store.certificates.liveCertificate("web-02", new Date()), undefined, "no certificate for web-02");
  t.equal((await store.audit.listAudit({ limit: 20 })).filter((e) => e.action === "cert.sign").length, 1, "one signature in all, by token " + id);
});

t.test("the store's claim lets one caller win a one-time token, even when both read it unused", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 7 });
  const { token } = await certs.createBootstrapToken({ ttlSeconds: 3600 }, "admin");
  // Two servers on one database (or two requests in flight) both read the token as unused…
  const first = await store.certificates.findBootstrapToken(hashSecret(token));
  const second = await store.certificates.findBootstrapToken(hashSecret(token));
  t.ok(first && second && !first.usedAt && !second.usedAt, "both saw it unused");
  // …and then both claim it: only one may win.
  t.equal(await store.certificates.claimBootstrapToken(first!.id, new Date()), true, "the first claim wins");
  t.equal(await store.certificates.claimBootstrapToken(second!.id, new Date()), false, "the second loses");
});

t.test("a reusable token is claimed again and again; a revoked one never", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 7 });
  const reusable = await certs.createBootstrapToken({ ttlSeconds: 3600, oneTime: false }, "admin");
  t.equal(await store.certificates.claimBootstrapToken(reusable.id, new Date()), true);
  t.equal(await store.certificates.claimBootstrapToken(reusable.id, new Date()), true);
  const revoked = await certs.createBootstrapToken({ ttlSeconds: 3600, oneTime: false }, "admin");
  t.equal(await store.certificates.revokeBootstrapToken(revoked.id, new Date()), true);
  t.equal(await store.certificates.claimBootstrapToken(revoked.id, new Date()), false, "a revoked token cannot be claimed even if a caller read it before the revocation");
});
