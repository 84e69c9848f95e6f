// `ancla-agent bootstrap`: pin the CA, make a key and CSR, get the certificate
// signed (at once with a token, or after `ancla cert sign`), record enrollment.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createCsr, isValidCertname } from "../pki/csr.js";
import { formatSha256 } from "../pki/fingerprint.js";
import { generateKeyPair, publicKeySha256 } from "../pki/keys.js";
import { CertificateState } from "../proto/gen/ancla/v1/bootstrap_pb.js";
import { AnclaError } from "../core/errors.js";
import { writeFileAtomic } from "./state/atomic-write.js";
import type { StateLayout } from "./state/layout.js";
import { enrollmentPath, type Enrollment } from "./settings.js";
import { explainTransportError, fetchPinnedCa, pinnedBootstrapClient, type BootstrapClient } from "./transport.js";

export interface BootstrapOptions {
  server: string;
  caFingerprint: string;
  certname: string;
  token?: string;
  layout: StateLayout;
  /** How long to wait for an operator to sign a pending request, in seconds. */
  waitSeconds: number;
  pollSeconds: number;
  timeoutMs: number;
  /** Progress lines for the terminal. */
  say(line: string): void;
}

/** The existing key is reused, so a re-run after `ancla cert sign` picks up the same request. */
function loadOrCreateKey(layout: StateLayout): string {
  if (existsSync(layout.agentKey)) return readFileSync(layout.agentKey, "utf8");
  mkdirSync(layout.certsDir, { recursive: true, mode: 0o700 });
  const keys = generateKeyPair();
  writeFileSync(layout.agentKey, keys.privateKeyPem, { mode: 0o600, flag: "wx" });
  return keys.privateKeyPem;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForSignature(client: BootstrapClient, opts: BootstrapOptions, keySha: string): Promise<string> {
  const deadline = Date.now() + opts.waitSeconds * 1000;
  // The operator signs only the request whose key fingerprint in `ancla cert list` is this one.
  opts.say(`key fingerprint: ${formatSha256(keySha)}`);
  opts.say(`waiting up to ${opts.waitSeconds}s for an operator to compare it with \`ancla cert list\` and run: ancla cert sign ${opts.certname}`);
  while (Date.now() < deadline) {
    await sleep(opts.pollSeconds * 1000);
    const res = await client.getCertificate({ certname: opts.certname, publicKeySha256: keySha }, { timeoutMs: opts.timeoutMs });
    if (res.state === CertificateState.SIGNED) return res.certPem;
    if (res.state === CertificateState.REJECTED) throw new AnclaError("ANCLA_E_CERT_REJECTED", res.message || "the request was rejected");
    if (res.state === CertificateState.REVOKED) throw new AnclaError("ANCLA_E_CERT_REVOKED", res.message || "the certificate was revoked");
  }
  throw new AnclaError("ANCLA_E_CERT_PENDING", `still pending after ${opts.waitSeconds}s; once signed, run bootstrap again`);
}

export async function bootstrap(opts: BootstrapOptions): Promise<Enrollment> {
  if (!isValidCertname(opts.certname)) throw new AnclaError("ANCLA_E_USAGE", `invalid certname "${opts.certname}": use lowercase letters, digits, '.', '-', '_'`);
  const { caCertPem } = await fetchPinnedCa(opts.server, opts.caFingerprint, opts.timeoutMs);
  opts.say(`CA fingerprint matches the pin; trusting ${opts.server}`);
  const keyPem = loadOrCreateKey(opts.layout);
  const client = pinnedBootstrapClient(opts.server, caCertPem);
  try {
    const res = await client.submitCSR({ csrPem: createCsr(keyPem, opts.certname), token: opts.token ?? "" }, { timeoutMs: opts.timeoutMs });
    let certPem: string;
    if (res.state === CertificateState.SIGNED) certPem = res.certPem;
    else if (res.state === CertificateState.PENDING) certPem = await waitForSignature(client, opts, publicKeySha256(keyPem));
    else throw new AnclaError("ANCLA_E_CSR_INVALID", res.message || "the server rejected the request");
    await writeFileAtomic(opts.layout.caCert, caCertPem, { mode: 0o644 });
    await writeFileAtomic(opts.layout.agentCert, certPem, { mode: 0o644 });
    const enrollment: Enrollment = { server: opts.server, certname: opts.certname, caFingerprint: opts.caFingerprint };
    await writeFileAtomic(enrollmentPath(opts.layout.dir), JSON.stringify(enrollment, null, 2) + "\n", { mode: 0o644 });
    opts.say(`certificate for ${opts.certname} signed; enrollment saved in ${opts.layout.dir}`);
    return enrollment;
  } catch (err) {
    throw await explainTransportError(err, opts.server);
  } finally {
    client.close();
  }
}
