import t from "tap";
import { createCertificateAuthority } from "../../pki/ca.js";
import { verifyCertificate } from "../../pki/verify.js";
import { CertificateService } from "../../server/ca/service.js";
import { agentCsr, tempStore } from "./_helpers.js";

const ca = createCertificateAuthority("Token CA");
const hour = 3600;

function service(t: Parameters<typeof tempStore>[0]) {
  const { store } = tempStore(t);
  return { store, certs: new CertificateService(store, ca, { agentCertDays: 7 }) };
}

t.test("a valid bootstrap token signs at once, as a client certificate", async (t) => {
  const { store, certs } = service(t);
  const { token } = await certs.createBootstrapToken({ ttlSeconds: hour }, "admin");
  const answer = await certs.submitCsr(agentCsr("web-01").csrPem, token);
  t.equal(answer.state, "signed");
  t.equal(answer.certname, "web-01");
  const verified = verifyCertificate(answer.certPem!, ca.certPem, { usage: "client" });
  t.equal(verified.commonName, "web-01");
  const days = (verified.notAfter.getTime() - Date.now()) / 86_400_000;
  t.ok(days > 6.9 && days <= 7.01, "valid for agentCertDays");
  t.equal((await store.certificates.liveCertificate("web-01", new Date()))?.serialHex, verified.serialHex, "stored as signed with its serial");
  t.ok(
    (await store.audit.listAudit({ limit: 10 })).some((e) => e.action === "cert.sign" && e.target === "web-01"),
    "audited",
  );
});

t.test("a one-time token signs once only", async (t) => {
  const { certs } = service(t);
  const { token } = await certs.createBootstrapToken({ ttlSeconds: hour }, "admin");
  t.equal((await certs.submitCsr(agentCsr("web-01").csrPem, token)).state, "signed");
  await t.rejects(() => certs.submitCsr(agentCsr("web-02").csrPem, token), { code: "ANCLA_E_TOKEN_INVALID" });
});

t.test("a reusable token signs many", async (t) => {
  const { certs } = service(t);
  const { token } = await certs.createBootstrapToken({ ttlSeconds: hour, oneTime: false }, "admin");
  t.equal((await certs.submitCsr(agentCsr("web-01").csrPem, token)).state, "signed");
  t.equal((await certs.submitCsr(agentCsr("web-02").csrPem, token)).state, "signed");
});

t.test("an expired token is refused and signs nothing", async (t) => {
  const { store, certs } = service(t);
  const created = new Date(Date.now() - 2 * hour * 1000);
  const { token } = await certs.createBootstrapToken({ ttlSeconds: hour }, "admin", created);
  await t.rejects(() => certs.submitCsr(agentCsr("web-01").csrPem, token), { code: "ANCLA_E_TOKEN_INVALID" });
  t.equal(await store.certificates.liveCertificate("web-01", new Date()), undefined);
  t.equal(await store.certificates.pendingCertificate("web-01"), undefined, "a refused token does not queue the request either");
});

t.test("a token limited by a certname glob refuses other names", async (t) => {
  const { certs } = service(t);
  const { token } = await certs.createBootstrapToken({ ttlSeconds: hour, certnameGlob: "web-*", oneTime: false }, "admin");
  const err = (await t.rejects(() => certs.submitCsr(agentCsr("db-01").csrPem, token), { code: "ANCLA_E_TOKEN_INVALID" })) as unknown as Error;
  t.match(err.message, /invalid, expired, used, or not for "db-01"/, "one message for every reason");
  t.equal((await certs.submitCsr(agentCsr("web-07").csrPem, token)).state, "signed");
});

t.test("an unknown token is refused with the same message, and the attempt is audited", async (t) => {
  const { store, certs } = service(t);
  const err = (await t.rejects(() => certs.submitCsr(agentCsr("web-01").csrPem, "not-a-token"))) as unknown as Error;
  t.match(err.message, /invalid, expired, used, or not for "web-01"/);
  t.ok((await store.audit.listAudit({ limit: 10 })).some((e) => e.action === "csr.token-refused"));
});

t.test("only the token's hash is stored", async (t) => {
  const { store, certs } = service(t);
  const { token, id } = await certs.createBootstrapToken({ ttlSeconds: hour }, "admin");
  const audit = JSON.stringify(await store.audit.listAudit({ limit: 10 }));
  t.notOk(audit.includes(token), "the secret is not in the audit log");
  t.ok(audit.includes(id));
});

t.test("token options are checked", async (t) => {
  const { certs } = service(t);
  await t.rejects(() => certs.createBootstrapToken({ ttlSeconds: 0 }, "admin"), { code: "ANCLA_E_INVALID_ARGUMENT" });
  await t.rejects(() => certs.createBootstrapToken({ ttlSeconds: 1.5 }, "admin"), { code: "ANCLA_E_INVALID_ARGUMENT" });
  await t.rejects(() => certs.createBootstrapToken({ ttlSeconds: hour, certnameGlob: " " }, "admin"), { code: "ANCLA_E_INVALID_ARGUMENT" });
});

t.test("a malformed CSR is refused as such", async (t) => {
  const { certs } = service(t);
  await t.rejects(() => certs.submitCsr("-----BEGIN CERTIFICATE REQUEST-----\nnope\n-----END CERTIFICATE REQUEST-----\n", undefined), { code: "ANCLA_E_CSR_INVALID" });
});
