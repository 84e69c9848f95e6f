// Anyone may ask for a certificate without credentials, so what they can make
// the server keep is bounded: a CSR's size, the number of waiting requests,
// and how long a request waits before it is dropped.
import t from "tap";
import { createCertificateAuthority } from "../../pki/ca.js";
import { MAX_CSR_PEM_CHARS } from "../../pki/csr.js";
import { generateKeyPair } from "../../pki/keys.js";
import { CertificateService, WAITING_REQUEST_TTL_MS } from "../../server/ca/service.js";
import { agentCsr, tempStore } from "./_helpers.js";

const ca = createCertificateAuthority("Limits CA");
const key = generateKeyPair();

t.test("a CSR larger than 16 KiB is refused before it is parsed or stored", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 7 });
  const { csrPem } = agentCsr("big-01", key);
  const huge = csrPem + "A".repeat(MAX_CSR_PEM_CHARS);
  await t.rejects(() => certs.submitCsr(huge, undefined), { code: "ANCLA_E_CSR_INVALID", message: /at most 16384/ });
  t.same(await certs.list(), [], "nothing stored");
});

t.test("no more than the cap of requests wait; the same key asking again and signing still work", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 7, maxWaitingRequests: 2 });
  const first = agentCsr("cap-01", key);
  await certs.submitCsr(first.csrPem, undefined);
  await certs.submitCsr(agentCsr("cap-02", key).csrPem, undefined);
  await t.rejects(() => certs.submitCsr(agentCsr("cap-03", key).csrPem, undefined), { code: "ANCLA_E_RESOURCE_EXHAUSTED", message: /2 certificate requests already wait.*ancla cert list/ });
  t.equal((await certs.submitCsr(first.csrPem, undefined)).state, "pending", "a request already waiting is answered");
  const { token } = await certs.createBootstrapToken({ ttlSeconds: 60 }, "admin");
  t.equal((await certs.submitCsr(agentCsr("cap-04", key).csrPem, token)).state, "signed", "a token signs without waiting, so the cap does not apply");
  await certs.sign("cap-01", "ops");
  t.equal((await certs.submitCsr(agentCsr("cap-03", key).csrPem, undefined)).state, "pending", "signing one makes room");
});

t.test("a request older than 7 days is dropped (audited) when the next one arrives", async (t) => {
  const { store } = tempStore(t);
  const certs = new CertificateService(store, ca, { agentCertDays: 7 });
  const start = new Date("2026-03-01T00:00:00Z");
  await certs.submitCsr(agentCsr("old-01", key).csrPem, undefined, start);
  const later = new Date(start.getTime() + WAITING_REQUEST_TTL_MS - 1000);
  await certs.submitCsr(agentCsr("new-01", key).csrPem, undefined, later);
  t.same(
    (await certs.list(later)).map((c) => c.certname),
    ["new-01", "old-01"],
    "within 7 days both wait",
  );

  const after = new Date(start.getTime() + WAITING_REQUEST_TTL_MS + 1000);
  await certs.submitCsr(agentCsr("new-02", key).csrPem, undefined, after);
  t.same(
    (await certs.list(after)).map((c) => c.certname),
    ["new-01", "new-02"],
    "the old one is gone",
  );
  await t.rejects(() => certs.sign("old-01", "ops", after), { code: "ANCLA_E_CERT_UNKNOWN" }, "and cannot be signed");
  t.ok(
    (await store.audit.listAudit({ limit: 20 })).some((e) => e.action === "csr.expire" && e.target === "old-01" && e.actor === "system"),
    "the expiry is audited",
  );
});
