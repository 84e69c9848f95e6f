import t from "tap";
import { createCertificateAuthority } from "../../pki/ca.js";
import { formatSha256 } from "../../pki/fingerprint.js";
import { publicKeySha256 } from "../../pki/keys.js";
import { CertificateService } from "../../server/ca/service.js";
import { agentCsr, tempStore } from "./_helpers.js";

const ca = createCertificateAuthority("Pending CA");

function service(t: Parameters<typeof tempStore>[0]) {
  const { store } = tempStore(t);
  return { store, certs: new CertificateService(store, ca, { agentCertDays: 7 }) };
}

t.test("without a token a request waits; an operator signs it; the agent then fetches it", async (t) => {
  const { store, certs } = service(t);
  const { csrPem, keys } = agentCsr("web-01");
  const keyHash = publicKeySha256(keys.publicKeyPem);
  const answer = await certs.submitCsr(csrPem, undefined);
  t.match(answer, { state: "pending", certname: "web-01" });
  t.equal(answer.certPem, undefined);
  t.match(answer.message, /ancla cert sign web-01/, "tells what to do");
  t.equal((await certs.getCertificate("web-01", keyHash)).state, "pending");
  t.same(
    (await certs.list()).map((c) => [c.certname, c.state]),
    [["web-01", "pending"]],
  );

  const signed = await certs.sign("web-01", "token:ops");
  t.equal(signed.state, "signed");
  t.ok(signed.serialHex);
  const fetched = await certs.getCertificate("web-01", keyHash);
  t.equal(fetched.state, "signed");
  t.match(fetched.certPem, /BEGIN CERTIFICATE/);
  t.same(await certs.getCertificate("web-01", "0".repeat(64)), { state: "unknown", message: 'no request from "web-01" for this key' }, "no certificate for another key");
  t.ok(
    (await store.audit.listAudit({ limit: 10 })).some((e) => e.action === "cert.sign" && e.actor === "token:ops"),
    "audited with the operator",
  );
});

t.test("another key cannot swap itself in for a waiting request; the host's request stays and is signed", async (t) => {
  const { store, certs } = service(t);
  const host = agentCsr("node-p");
  const attacker = agentCsr("node-p");
  await certs.submitCsr(host.csrPem, undefined);
  const hostKey = publicKeySha256(host.keys.publicKeyPem);
  await t.rejects(() => certs.submitCsr(attacker.csrPem, undefined), {
    code: "ANCLA_E_CSR_CONFLICT",
    message: new RegExp(`another key \\(${formatSha256(hostKey)}\\) already waits.*ancla cert reject node-p`),
  });
  t.same(
    (await certs.list()).map((c) => [c.certname, c.state, c.publicKeySha256]),
    [["node-p", "pending", hostKey]],
    "the host's request is the one waiting",
  );
  t.equal((await certs.getCertificate("node-p", publicKeySha256(attacker.keys.publicKeyPem))).state, "unknown", "the attacker's key has no request");
  t.ok(
    (await store.audit.listAudit({ limit: 10 })).some((e) => e.action === "csr.refuse" && e.target === "node-p"),
    "the refusal is audited",
  );

  const again = await certs.submitCsr(host.csrPem, undefined);
  t.match(again, { state: "pending", message: new RegExp(`key ${formatSha256(hostKey)}`) }, "the same key asking again is answered as before");
  t.equal((await certs.list()).length, 1);

  await certs.sign("node-p", "ops");
  const signed = await certs.getCertificate("node-p", hostKey);
  t.equal(signed.state, "signed");
  t.equal(publicKeySha256(signed.certPem!), hostKey, "the certificate is for the host's key");
});

t.test("once an operator rejects the wrong request, the other key may ask", async (t) => {
  const { certs } = service(t);
  const attacker = agentCsr("node-p");
  const host = agentCsr("node-p");
  await certs.submitCsr(attacker.csrPem, undefined);
  await t.rejects(() => certs.submitCsr(host.csrPem, undefined), { code: "ANCLA_E_CSR_CONFLICT" });
  await certs.reject("node-p", "ops");
  t.equal((await certs.submitCsr(host.csrPem, undefined)).state, "pending");
  t.equal((await certs.list())[0].publicKeySha256, publicKeySha256(host.keys.publicKeyPem));
});

t.test("a signed certname keeps its key: another key is rejected, the same key gets its certificate", async (t) => {
  const { certs } = service(t);
  const original = agentCsr("web-01");
  await certs.submitCsr(original.csrPem, undefined);
  const signed = await certs.sign("web-01", "ops");

  const imposter = await certs.submitCsr(agentCsr("web-01").csrPem, undefined);
  t.equal(imposter.state, "rejected");
  t.match(imposter.message, /already has a signed certificate.*ancla cert revoke web-01/);
  t.equal((await certs.list())[0].state, "signed", "the rejection changes nothing");

  const { token } = await certs.createBootstrapToken({ ttlSeconds: 60 }, "admin");
  t.equal((await certs.submitCsr(agentCsr("web-01").csrPem, token)).state, "rejected", "not even with a token");

  const again = await certs.submitCsr(agentCsr("web-01", original.keys).csrPem, undefined);
  t.equal(again.state, "signed");
  t.equal((await certs.list())[0].serialHex, signed.serialHex, "no new certificate issued");
  t.match(again.certPem, /BEGIN CERTIFICATE/);
});

t.test("signing needs a waiting request", async (t) => {
  const { certs } = service(t);
  await t.rejects(() => certs.sign("nobody", "ops"), { code: "ANCLA_E_CERT_UNKNOWN" });
  const { token } = await certs.createBootstrapToken({ ttlSeconds: 60 }, "admin");
  await certs.submitCsr(agentCsr("web-01").csrPem, token);
  await t.rejects(() => certs.sign("web-01", "ops"), { code: "ANCLA_E_INVALID_ARGUMENT", message: /already signed/ });
});

t.test("a token signs a request that was waiting, and it stops waiting", async (t) => {
  const { store, certs } = service(t);
  const { csrPem } = agentCsr("web-01");
  await certs.submitCsr(csrPem, undefined);
  const { token } = await certs.createBootstrapToken({ ttlSeconds: 60 }, "admin");
  t.equal((await certs.submitCsr(csrPem, token)).state, "signed");
  t.equal(await store.certificates.pendingCertificate("web-01"), undefined);
});

t.test("an operator rejects a waiting request: the agent is told, the rejection is audited, the host may ask again", async (t) => {
  const { store, certs } = service(t);
  const first = agentCsr("web-09");
  await certs.submitCsr(first.csrPem, undefined);
  const rejected = await certs.reject("web-09", "token:ops");
  t.equal(rejected.state, "rejected");
  t.same((await certs.list())[0].rejectedAt, rejected.rejectedAt, "the rejection time is kept");
  t.ok(rejected.rejectedAt instanceof Date);
  t.same(await certs.getCertificate("web-09", publicKeySha256(first.keys.publicKeyPem)), { state: "rejected", message: 'the request of "web-09" was rejected' });
  t.ok(
    (await store.audit.listAudit({ limit: 10 })).some((e) => e.action === "cert.reject" && e.actor === "token:ops" && e.target === "web-09"),
    "audited with the operator",
  );
  await t.rejects(() => certs.reject("web-09", "token:ops"), { code: "ANCLA_E_CERT_UNKNOWN" }, "nothing is waiting any more");
  await t.rejects(() => certs.sign("web-09", "token:ops"), { code: "ANCLA_E_CERT_UNKNOWN" }, "a rejected request cannot be signed");

  const second = agentCsr("web-09");
  t.equal((await certs.submitCsr(second.csrPem, undefined)).state, "pending", "a new request waits again");
  t.equal((await certs.sign("web-09", "token:ops")).state, "signed");
});
