// An agent whose clock runs behind the CA's refuses its cached catalog (its
// signing certificate is not valid yet by this clock) and says it is clock
// skew, with both times, instead of only "invalid".
import t from "tap";
import * as grpc from "@grpc/grpc-js";
import { obtainCatalog } from "../../agent/run/obtain-catalog.js";
import { saveCachedEnvelope } from "../../agent/state/catalog-cache.js";
import { stateLayout } from "../../agent/state/layout.js";
import { EMPTY_MEMORY } from "../../agent/state/memory.js";
import { CATALOG_PAYLOAD_TYPE } from "../../catalog/model.js";
import { createCertificateAuthority, issueCertificate, randomSerialHex } from "../../pki/ca.js";
import { signEnvelope } from "../../pki/dsse.js";
import { generateKeyPair } from "../../pki/keys.js";
import { AgentService } from "../../proto/gen/ancla/v1/agent_pb.js";
import { makeClient } from "../../proto/grpc.js";
import { freePort } from "../helpers/processes.js";

t.test("a cached catalog signed by a certificate not valid yet here is refused as clock skew", async (t) => {
  const ca = createCertificateAuthority("Ancla Test CA", 30);
  const keys = generateKeyPair();
  // Issued "two days from now" as this host sees it: its clock runs two days behind.
  const certPem = issueCertificate(ca, {
    commonName: "ancla catalog signer",
    publicKeyPem: keys.publicKeyPem,
    usage: "catalog-signing",
    serialHex: randomSerialHex(),
    validityDays: 30,
    skewSeconds: -2 * 86_400,
  });
  const layout = stateLayout(t.testdir({}));
  await saveCachedEnvelope(layout, signEnvelope(CATALOG_PAYLOAD_TYPE, new TextEncoder().encode("{}"), { certPem, keyPem: keys.privateKeyPem }));
  // Nothing listens there: the server is away, so the cache is all there is.
  const server = `127.0.0.1:${await freePort()}`;
  const client = makeClient(AgentService, server, grpc.credentials.createInsecure());
  t.teardown(() => client.close());

  const obtained = await obtainCatalog({ client, layout, facts: {}, memory: EMPTY_MEMORY, caCertPem: ca.certPem, certname: "web-01", server, timeoutMs: 5000 });
  t.equal(obtained.source, "none");
  t.same(
    obtained.problems.map((p) => p.code),
    ["ANCLA_E_SERVER_UNREACHABLE", "ANCLA_E_CLOCK_SKEW"],
  );
  const iso = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
  t.match(obtained.problems[1].message, new RegExp(`^cached catalog refused: clock skew: this host's time is ${iso}, but its signing certificate is valid from ${iso} to ${iso}$`));
});
