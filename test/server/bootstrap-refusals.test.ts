// The unauthenticated bootstrap service over real gRPC and TLS: what anyone
// can send is refused with a precise status, and refusing loses nothing.
import * as grpc from "@grpc/grpc-js";
import t from "tap";
import { createCsr } from "../../pki/csr.js";
import { generateKeyPair, publicKeySha256 } from "../../pki/keys.js";
import { BootstrapService, CertificateState } from "../../proto/gen/ancla/v1/bootstrap_pb.js";
import { makeClient } from "../../proto/grpc.js";
import { BOOTSTRAP_RATE_LIMIT } from "../../server/grpc/bootstrap-service.js";
import { startRealServer, type RealServer } from "./_server.js";

function bootstrapClient(t: Parameters<typeof startRealServer>[0], server: RealServer) {
  const client = makeClient(BootstrapService, server.grpc, grpc.credentials.createSsl(Buffer.from(server.ca.certPem)));
  t.teardown(() => client.close());
  return client;
}

async function waitingKeys(server: RealServer): Promise<string[]> {
  const res = await server.api("GET", "/api/v1/certs?state=pending");
  return (res.body as { certificates: { public_key_sha256: string }[] }).certificates.map((c) => c.public_key_sha256);
}

t.test("a second key asking for a waiting certname is refused with ALREADY_EXISTS; the host's request is signed", async (t) => {
  const server = await startRealServer(t);
  const client = bootstrapClient(t, server);
  const host = generateKeyPair();
  const attacker = generateKeyPair();
  t.equal((await client.submitCSR({ csrPem: createCsr(host.privateKeyPem, "node-p") })).state, CertificateState.PENDING);
  await t.rejects(client.submitCSR({ csrPem: createCsr(attacker.privateKeyPem, "node-p") }), {
    code: grpc.status.ALREADY_EXISTS,
    details: /^ANCLA_E_CSR_CONFLICT: a request for "node-p" with another key \(SHA256:[0-9A-F:]{95}\) already waits/,
  });
  t.same(await waitingKeys(server), [publicKeySha256(host.publicKeyPem)], "the host's request still waits");

  t.equal((await server.api("POST", "/api/v1/certs/node-p/sign")).status, 200);
  const answer = await client.getCertificate({ certname: "node-p", publicKeySha256: publicKeySha256(host.publicKeyPem) });
  t.equal(answer.state, CertificateState.SIGNED);
  t.equal(publicKeySha256(answer.certPem), publicKeySha256(host.publicKeyPem), "signed for the host's key");
  const stolen = await client.getCertificate({ certname: "node-p", publicKeySha256: publicKeySha256(attacker.publicKeyPem) });
  t.equal(stolen.state, CertificateState.UNSPECIFIED, "nothing for the attacker's key");
});

t.test("an oversized CSR is refused with INVALID_ARGUMENT and nothing is stored", async (t) => {
  const server = await startRealServer(t);
  const client = bootstrapClient(t, server);
  const csrPem = createCsr(generateKeyPair().privateKeyPem, "big-01") + "A".repeat(1024 * 1024);
  await t.rejects(client.submitCSR({ csrPem }), { code: grpc.status.INVALID_ARGUMENT, details: /^ANCLA_E_CSR_INVALID: the CSR is \d+ characters; at most 16384/ });
  t.same(await waitingKeys(server), []);
});

t.test("requests without a token are rate-limited per address; token-signed ones are not counted", async (t) => {
  const server = await startRealServer(t);
  const client = bootstrapClient(t, server);
  const res = await server.api("POST", "/api/v1/tokens", { body: JSON.stringify({ one_time: false }) });
  const token = (res.body as { token: string }).token;
  const key = generateKeyPair().privateKeyPem;
  for (let i = 0; i <= BOOTSTRAP_RATE_LIMIT.burst; i++) {
    t.equal((await client.submitCSR({ csrPem: createCsr(key, `tok-${i}`), token })).state, CertificateState.SIGNED, `token request ${i} is signed`);
  }

  const flood = generateKeyPair();
  const csrPem = createCsr(flood.privateKeyPem, "flood-01");
  for (let i = 0; i < BOOTSTRAP_RATE_LIMIT.burst; i++) await client.submitCSR({ csrPem });
  await t.rejects(client.submitCSR({ csrPem }), { code: grpc.status.RESOURCE_EXHAUSTED, details: /^ANCLA_E_RESOURCE_EXHAUSTED: too many certificate requests from \S+; retry in \d+s/ });
  t.equal((await waitingKeys(server)).length, 1, "the one request stays waiting");
  await t.rejects(client.submitCSR({ csrPem: createCsr(key, "tok-late"), token }), { code: grpc.status.RESOURCE_EXHAUSTED }, "an empty bucket refuses everyone until it refills");
  const polled = await client.getCertificate({ certname: "flood-01", publicKeySha256: publicKeySha256(flood.publicKeyPem) });
  t.equal(polled.state, CertificateState.PENDING, "polling is not limited");
});
