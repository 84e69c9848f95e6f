// An agent call with a certificate that does not verify says why (issue 11
// item 11): an expired one, one from another CA, and no certificate at all
// each get UNAUTHENTICATED with their own reason (the first two used to be
// told "bootstrap the agent first"); a FetchContent offset past 2^53 - 1 is
// INVALID_ARGUMENT naming the maximum (it was INTERNAL with Node's raw text).
import t, { type Test } from "tap";
import { X509Certificate } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { createCertificateAuthority, issueCertificate, randomSerialHex } from "../../pki/ca.js";
import { generateKeyPair } from "../../pki/keys.js";
import { AgentService } from "../../proto/gen/ancla/v1/agent_pb.js";
import { makeClient } from "../../proto/grpc.js";
import { debianFacts, refusal, startRealServer, type RealServer } from "./_server.js";

function clientWith(t: Test, server: RealServer, ca: { certPem: string; keyPem: string }, validityDays: number) {
  const keys = generateKeyPair();
  const certPem = issueCertificate(ca, { commonName: "web-01", publicKeyPem: keys.publicKeyPem, usage: "client", serialHex: randomSerialHex(), validityDays, skewSeconds: 60 });
  const client = makeClient(AgentService, server.grpc, grpc.credentials.createSsl(Buffer.from(server.ca.certPem), Buffer.from(keys.privateKeyPem), Buffer.from(certPem)));
  t.teardown(() => client.close());
  return { client, notAfter: new Date(new X509Certificate(certPem).validTo) };
}

t.test("expired, foreign or missing client certificates are refused with their reason", async (t) => {
  const server = await startRealServer(t);

  // A certificate from this server's CA that lives for a second; the call is made once it has expired.
  const expired = clientWith(t, server, server.ca, 1 / 86_400);
  while (Date.now() <= expired.notAfter.getTime()) await new Promise((r) => setTimeout(r, 100));
  const old = await refusal(expired.client.getCatalog({ facts: debianFacts(), haveDigest: "" }));
  t.equal(old.code, grpc.status.UNAUTHENTICATED);
  t.match(old.details, `it expired at ${expired.notAfter.toISOString()}`, old.details);

  const foreign = clientWith(t, server, createCertificateAuthority("Another CA"), 1);
  const stranger = await refusal(foreign.client.getCatalog({ facts: debianFacts(), haveDigest: "" }));
  t.equal(stranger.code, grpc.status.UNAUTHENTICATED);
  t.match(stranger.details, "it was not issued by this CA", stranger.details);

  const bare = makeClient(AgentService, server.grpc, grpc.credentials.createSsl(Buffer.from(server.ca.certPem)));
  t.teardown(() => bare.close());
  const none = await refusal(bare.getCatalog({ facts: debianFacts(), haveDigest: "" }));
  t.equal(none.code, grpc.status.UNAUTHENTICATED);
  t.match(none.details, "bootstrap the agent first", "only a caller without a certificate is told to bootstrap");

  const [agent] = await server.agents(["good-01"]);
  t.equal((await agent.client.getCatalog({ facts: debianFacts(), haveDigest: "" })).result.case, "catalog", "a valid certificate still works");
});

t.test("a FetchContent offset past 2^53 - 1 is INVALID_ARGUMENT naming the maximum", async (t) => {
  const server = await startRealServer(t);
  const [agent] = await server.agents(["web-01"]);
  const stream = agent.client.fetchContent({ sha256: "a".repeat(64), offset: 2n ** 53n });
  const err = await refusal(
    (async () => {
      for await (const _ of stream);
    })(),
  );
  t.equal(err.code, grpc.status.INVALID_ARGUMENT);
  t.match(err.details, "offset 9007199254740992 is out of range: the maximum is 9007199254740991", err.details);
});
