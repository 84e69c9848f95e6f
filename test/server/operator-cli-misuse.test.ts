// CLI misuse and bad input get one clear line that names the actual mistake
// (the built `ancla` from dist/, against a real API where one is needed).
import { writeFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import t, { type Test } from "tap";
import { createCertificateAuthority, issueCertificate, randomSerialHex } from "../../pki/ca.js";
import { generateKeyPair } from "../../pki/keys.js";
import { cli } from "../helpers/processes.js";
import { call, startTestApi, tempDir } from "./_helpers.js";

const noEnv = { ANCLA_URL: "", ANCLA_TOKEN: "", ANCLA_CA_FILE: "" };

t.test("an unknown command: the hint to run --help once", async (t) => {
  const r = await cli("ancla", ["nope"], { env: noEnv });
  t.not(r.code, 0);
  t.equal(r.stderr, 'error: ANCLA_E_USAGE: ancla: unknown command "nope" (invalid command line; run with --help)\n');
});

t.test("--url that is not a URL is reported as such, not as a missing CA file", async (t) => {
  const r = await cli("ancla", ["nodes", "--url", "notaurl", "--token", "x", "--ca-file", "/nonexistent/ca.crt"], { env: noEnv });
  t.not(r.code, 0);
  t.match(r.stderr, /^error: ANCLA_E_USAGE: invalid API URL "notaurl"; expected https:\/\/HOST:PORT/);
  t.notMatch(r.stderr, /ca\.crt|CA certificate/);
});

t.test("api-token create --role superuser names the roles there are", async (t) => {
  const r = await cli("ancla", ["api-token", "create", "--role", "superuser", "--name", "ci"], { env: noEnv });
  t.not(r.code, 0);
  t.match(r.stderr, /^error: ANCLA_E_USAGE: --role superuser is no role: one of viewer, operator, admin /);
});

t.test("an invalid certname glob is refused: 400 from the API, one line from the CLI", async (t) => {
  const api = await startTestApi(t);
  const res = await call(api, "POST", "/api/v1/tokens", { token: api.tokens.admin, body: JSON.stringify({ certname_glob: "[" }) });
  t.equal(res.status, 400);
  t.match(res.body, { error: { code: "ANCLA_E_INVALID_ARGUMENT", message: /^certname_glob "\[" is not a valid glob: Missing closing: "\]"/ } });
  t.same(await api.store.certificates.listBootstrapTokens(), [], "no token was made");

  const caFile = join(tempDir(t), "ca.crt");
  writeFileSync(caFile, api.ca.certPem);
  const r = await cli("ancla", ["token", "create", "--certname-glob", "[", "--url", api.url, "--token", api.tokens.admin, "--ca-file", caFile], { env: noEnv });
  t.not(r.code, 0);
  t.match(r.stderr, /^error: ANCLA_E_INVALID_ARGUMENT: certname_glob "\[" is not a valid glob/);
  t.equal(r.stderr.split("\n").length, 2, "one line");
  t.equal((await call(api, "POST", "/api/v1/tokens", { token: api.tokens.admin, body: JSON.stringify({ certname_glob: "web-[0-9]*" }) })).status, 201, "a valid glob is taken");
});

/** A real HTTPS server presenting a certificate for `name` (`skewSeconds` < 0: not valid yet); the CLI is pointed at it with --url. */
async function tlsServer(t: Test, name: string, skewSeconds?: number): Promise<{ url: string; caFile: string }> {
  const ca = createCertificateAuthority("Ancla Test CA", 30);
  const keys = generateKeyPair();
  const cert = issueCertificate(ca, { commonName: name, publicKeyPem: keys.publicKeyPem, usage: "server", serialHex: randomSerialHex(), validityDays: 7, skewSeconds });
  const server = createServer({ cert, key: keys.privateKeyPem }, (_req, res) => res.end("{}"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const caFile = join(tempDir(t), "ca.crt");
  writeFileSync(caFile, ca.certPem);
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, caFile };
}

t.test("an API certificate not valid yet by this host's clock: clock skew, not 'untrusted'", async (t) => {
  const { url, caFile } = await tlsServer(t, "localhost", -2 * 86_400);
  const r = await cli("ancla", ["nodes", "--url", url, "--token", "x", "--ca-file", caFile], { env: noEnv });
  t.not(r.code, 0);
  t.match(
    r.stderr,
    /^error: ANCLA_E_CLOCK_SKEW: clock skew\? the certificate of https:\/\/127\.0\.0\.1:\d+ is outside its validity by this host's time, \d{4}-\d\d-\d\dT[\d:.]+Z: certificate is not yet valid /,
  );
});

t.test("an API certificate for another name names the name it is for", async (t) => {
  const { url, caFile } = await tlsServer(t, "other.example");
  const r = await cli("ancla", ["nodes", "--url", url, "--token", "x", "--ca-file", caFile], { env: noEnv });
  t.not(r.code, 0);
  t.match(r.stderr, /^error: ANCLA_E_TLS_NAME_MISMATCH: the certificate of https:\/\/127\.0\.0\.1:\d+ is for other\.example, not localhost /);
});
