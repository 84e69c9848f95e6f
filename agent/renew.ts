// Agent certificates are short-lived (90 days by default) and renew
// themselves: when the current one has less than `renewBeforeDays` left, the
// agent asks for a new one over its mTLS channel, with the same key, and
// installs it atomically after checking it.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createCsr } from "../pki/csr.js";
import { publicKeySha256 } from "../pki/keys.js";
import { verifyCertificate } from "../pki/verify.js";
import { AnclaError } from "../proto/errors.js";
import { writeFileAtomic } from "./state/atomic-write.js";
import type { StateLayout } from "./state/layout.js";
import { asTransportError, type AgentClient } from "./transport.js";

const DAY_MS = 86_400_000;

export function isRenewalDue(certPem: string, renewBeforeDays: number, now = new Date()): boolean {
  return new Date(new X509Certificate(certPem).validTo).getTime() - now.getTime() < renewBeforeDays * DAY_MS;
}

export interface RenewOptions {
  client: AgentClient;
  layout: StateLayout;
  certname: string;
  server: string;
  renewBeforeDays: number;
  timeoutMs: number;
}

/** The new certificate's expiry when renewed, undefined when not due yet. */
export async function renewIfDue(opts: RenewOptions): Promise<Date | undefined> {
  const current = readFileSync(opts.layout.agentCert, "utf8");
  if (!isRenewalDue(current, opts.renewBeforeDays)) return undefined;
  const keyPem = readFileSync(opts.layout.agentKey, "utf8");
  let certPem: string;
  try {
    certPem = (await opts.client.renewCertificate({ csrPem: createCsr(keyPem, opts.certname) }, { timeoutMs: opts.timeoutMs })).certPem;
  } catch (err) {
    throw asTransportError(err, opts.server);
  }
  const cert = verifyCertificate(certPem, readFileSync(opts.layout.caCert, "utf8"), { usage: "client" });
  if (cert.commonName !== opts.certname || publicKeySha256(certPem) !== publicKeySha256(keyPem)) {
    throw new AnclaError("ANCLA_E_CERT_INVALID", "the renewed certificate is not for this agent's name and key");
  }
  await writeFileAtomic(opts.layout.agentCert, certPem, { mode: 0o644 });
  return cert.notAfter;
}
