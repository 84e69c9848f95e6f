// Agent certificates are short-lived (90 days by default) and renew
// themselves: when the current one has less than `renewBeforeDays` left, the
// agent asks for a new one over its mTLS channel, with the same key, and
// installs it atomically after checking it. A certificate that expired (the
// host was offline too long) no longer opens the mTLS channel: the agent asks
// over the bootstrap channel with the same key instead, and an operator
// approves that renewal (`ancla cert sign`); the next run installs it.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { formatSha256 } from "../pki/fingerprint.js";
import { publicKeySha256 } from "../pki/keys.js";
import { verifyCertificate } from "../pki/verify.js";
import { CertificateState } from "../proto/gen/ancla/v1/bootstrap_pb.js";
import { AnclaError } from "../core/errors.js";
import { writeFileAtomic } from "./state/atomic-write.js";
import type { StateLayout } from "./state/layout.js";
import { asTransportError, pinnedBootstrapClient, type AgentClient } from "./transport.js";

const DAY_MS = 86_400_000;

function notAfter(certPem: string): Date {
  return new Date(new X509Certificate(certPem).validTo);
}

export function isRenewalDue(certPem: string, renewBeforeDays: number, now = new Date()): boolean {
  return notAfter(certPem).getTime() - now.getTime() < renewBeforeDays * DAY_MS;
}

export interface RenewOptions {
  client: AgentClient;
  layout: StateLayout;
  certname: string;
  server: string;
  /** The pinned CA, which the bootstrap channel trusts. */
  caCertPem: string;
  renewBeforeDays: number;
  timeoutMs: number;
}

/** The new certificate's expiry when renewed, undefined when not due yet. */
export async function renewIfDue(opts: RenewOptions): Promise<Date | undefined> {
  const current = readFileSync(opts.layout.agentCert, "utf8");
  if (!isRenewalDue(current, opts.renewBeforeDays)) return undefined;
  const keyPem = readFileSync(opts.layout.agentKey, "utf8");
  // Loaded only when due: making a CSR takes node-forge, which every run would otherwise load at start-up.
  const { createCsr } = await import("../pki/csr.js");
  const csrPem = createCsr(keyPem, opts.certname);
  const expiredOn = notAfter(current);
  let certPem: string;
  try {
    certPem = expiredOn <= new Date() ? await askToRenewExpired(opts, csrPem, keyPem, expiredOn) : (await opts.client.renewCertificate({ csrPem }, { timeoutMs: opts.timeoutMs })).certPem;
  } catch (err) {
    throw asTransportError(err, opts.server);
  }
  const cert = verifyCertificate(certPem, opts.caCertPem, { usage: "client" });
  if (cert.commonName !== opts.certname || publicKeySha256(certPem) !== publicKeySha256(keyPem)) {
    throw new AnclaError("ANCLA_E_CERT_INVALID", "the renewed certificate is not for this agent's name and key");
  }
  await writeFileAtomic(opts.layout.agentCert, certPem, { mode: 0o644 });
  return cert.notAfter;
}

/** Over the bootstrap channel, proving the key by the CSR's signature; signed once an operator approved it. */
async function askToRenewExpired(opts: RenewOptions, csrPem: string, keyPem: string, expiredOn: Date): Promise<string> {
  const client = pinnedBootstrapClient(opts.server, opts.caCertPem);
  try {
    const res = await client.submitCSR({ csrPem, token: "" }, { timeoutMs: opts.timeoutMs });
    if (res.state === CertificateState.SIGNED) return res.certPem;
    if (res.state !== CertificateState.PENDING) throw new AnclaError("ANCLA_E_CSR_INVALID", res.message || "the server refused the renewal request");
    throw new AnclaError(
      "ANCLA_E_CERT_PENDING",
      `certificate expired on ${expiredOn.toISOString()}; a renewal request with this host's key (${formatSha256(publicKeySha256(keyPem))}) waits for an operator: ancla cert sign ${opts.certname} (or run \`ancla-agent bootstrap\` again)`,
    );
  } finally {
    client.close();
  }
}
