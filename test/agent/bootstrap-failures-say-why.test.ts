// What `ancla-agent bootstrap` says when it cannot enrol, against a real
// grpc-js TLS server on loopback: a certificate outside its validity by this
// host's clock is clock skew (with both times), a server certificate for
// another name than --server names the name, and a rejected request is
// rejected, not revoked.
import t, { type Test } from "tap";
import * as grpc from "@grpc/grpc-js";
import { bootstrap } from "../../agent/bootstrap.js";
import { stateLayout } from "../../agent/state/layout.js";
import { createCertificateAuthority, issueCertificate, randomSerialHex } from "../../pki/ca.js";
import { certificateFingerprint } from "../../pki/fingerprint.js";
import { generateKeyPair } from "../../pki/keys.js";
import { BootstrapService, CertificateState } from "../../proto/gen/ancla/v1/bootstrap_pb.js";
import { isAnclaError, type AnclaError } from "../../core/errors.js";
import { addService } from "../../proto/grpc.js";

const ca = createCertificateAuthority("Ancla Test CA", 30);
const DAY_S = 86_400;
const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

/**
 * A bootstrap server presenting a certificate for localhost (`skewSeconds` < 0
 * puts its notBefore in the future) that leaves every request pending and then
 * answers `finally` to the poll.
 */
async function serverWith(t: Test, opts: { skewSeconds?: number; finally?: CertificateState } = {}): Promise<number> {
  const keys = generateKeyPair();
  const certPem = issueCertificate(ca, { commonName: "localhost", publicKeyPem: keys.publicKeyPem, usage: "server", serialHex: randomSerialHex(), validityDays: 7, skewSeconds: opts.skewSeconds });
  const server = new grpc.Server();
  addService(server, BootstrapService, {
    getCABundle: async () => ({ caCertPem: ca.certPem }),
    submitCSR: async () => ({ state: CertificateState.PENDING, certname: "web-01" }),
    getCertificate: async () => ({ state: opts.finally ?? CertificateState.PENDING, message: 'the request of "web-01" was rejected' }),
  });
  const creds = grpc.ServerCredentials.createSsl(Buffer.from(ca.certPem), [{ cert_chain: Buffer.from(certPem), private_key: Buffer.from(keys.privateKeyPem) }], false);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", creds, (err, p) => (err ? reject(err) : resolve(p))));
  t.teardown(() => server.forceShutdown());
  return port;
}

async function bootstrapFailure(t: Test, server: string): Promise<AnclaError> {
  const options = {
    server,
    caFingerprint: certificateFingerprint(ca.certPem),
    certname: "web-01",
    layout: stateLayout(t.testdir({})),
    waitSeconds: 30,
    pollSeconds: 0,
    timeoutMs: 5000,
    say: () => {},
  };
  const err = await bootstrap(options).then(
    () => new Error("bootstrap succeeded"),
    (e: unknown) => e,
  );
  if (!isAnclaError(err)) throw err;
  return err;
}

t.test("a server certificate not valid yet by this host's clock is clock skew, with both times", async (t) => {
  // As when this host's clock runs two days behind the CA's.
  const port = await serverWith(t, { skewSeconds: -2 * DAY_S });
  const err = await bootstrapFailure(t, `localhost:${port}`);
  t.equal(err.code, "ANCLA_E_CLOCK_SKEW");
  t.match(err.message, new RegExp(`^clock skew: this host's time is ${ISO}, but the certificate of localhost:${port} is valid from ${ISO} to ${ISO} \\(certificate is not yet valid\\)$`));
  const [now, from] = [...err.message.matchAll(new RegExp(ISO, "g"))].map((m) => Date.parse(m[0]));
  t.ok(from > now, "the validity it names starts after this host's time");
});

t.test("--server 127.0.0.1 against a certificate for localhost names the certificate's name", async (t) => {
  const port = await serverWith(t);
  const err = await bootstrapFailure(t, `127.0.0.1:${port}`);
  t.equal(err.code, "ANCLA_E_TLS_NAME_MISMATCH");
  t.match(err.message, new RegExp(`^the certificate of 127\\.0\\.0\\.1:${port} is for localhost, not 127\\.0\\.0\\.1 \\(Hostname/IP does not match`));
  t.notMatch(err.line, /cannot be reached/);
});

t.test("a rejected request is ANCLA_E_CERT_REJECTED, not revoked", async (t) => {
  const port = await serverWith(t, { finally: CertificateState.REJECTED });
  const err = await bootstrapFailure(t, `localhost:${port}`);
  t.equal(err.code, "ANCLA_E_CERT_REJECTED");
  t.equal(err.message, 'the request of "web-01" was rejected');
});
