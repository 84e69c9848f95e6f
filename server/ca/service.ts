// The certificate authority as a service: certificate requests from agents
// (signed at once with a bootstrap token, otherwise queued for an operator),
// signing, revocation and the CRL, and the tokens that grant all this.
// Every state change is written to the audit log.
import { createHash, X509Certificate } from "node:crypto";
import picomatch from "picomatch";
import { issueCertificate, randomSerialHex, type CertifiedKey } from "../../pki/ca.js";
import { buildCrl } from "../../pki/crl.js";
import { verifyCsr, type VerifiedCsr } from "../../pki/csr.js";
import { formatSha256 } from "../../pki/fingerprint.js";
import { normalizeSerialHex } from "../../pki/serial.js";
import { AnclaError } from "../../core/errors.js";
import type { ApiTokenRecord, BootstrapTokenRecord, CertificateRecord, CertificateRequest, CertificateState, IssuedCertificate, Role, Store, StoreParts } from "../store/store.js";
import { hashSecret, newSecret, newTokenId } from "./secrets.js";
import { MAX_TOKEN_TTL_SECONDS, ROLES } from "./token-rules.js";

export type CertificateAnswerState = CertificateState | "unknown";

export interface CsrAnswer {
  state: "pending" | "signed" | "rejected";
  certname: string;
  certPem?: string;
  message: string;
}

/** A certificate row as operators see it: no CSR, no certificate bytes. */
export type CertificateSummary = Omit<CertificateRecord, "id" | "csrPem" | "certPem">;

export interface BootstrapTokenOptions {
  ttlSeconds: number;
  /** Only certnames matching this glob (picomatch) may use the token. */
  certnameGlob?: string;
  /** Default true: the token signs one request, then it is spent. */
  oneTime?: boolean;
}

export interface CreatedToken {
  /** The secret; shown once, never stored. */
  token: string;
  id: string;
  expiresAt: Date;
}

/** How long a CRL is valid; it is rebuilt well before, and on every revocation. */
const CRL_VALIDITY_MS = 7 * 86_400_000;
/** Anyone may ask unauthenticated, so waiting requests are bounded in number and in age. */
export const MAX_WAITING_REQUESTS = 1000;
export const WAITING_REQUEST_TTL_MS = 7 * 86_400_000;

/** The CA's CRL and its SHA-256 (hex), which an agent names to be sent only a newer one. */
export interface RevocationList {
  der: Uint8Array;
  sha256: string;
}

export class CertificateService {
  private crl?: RevocationList & { builtAt: number };

  constructor(
    private readonly store: Store,
    private readonly ca: CertifiedKey,
    private readonly options: { agentCertDays: number /** MAX_WAITING_REQUESTS unless told. */; maxWaitingRequests?: number },
  ) {}

  /**
   * An agent's certificate request. Like Puppet, a certname keeps its key: a
   * request for a different key while a certificate is live is rejected until an
   * operator revokes it; a request for the same key gets the existing certificate.
   * A waiting request is never replaced by another key's (that would let anyone
   * swap their key in for the host's); the same key asking again is answered
   * as before. A request from the key of an expired, unrevoked certificate is a
   * renewal: it always waits for an operator, a bootstrap token does not sign it.
   */
  async submitCsr(csrPem: string, token: string | undefined, at: Date = new Date()): Promise<CsrAnswer> {
    const csr = verifyCsr(csrPem);
    const { certname } = csr;
    await this.expireWaitingRequests(at);
    const live = await this.store.certificates.liveCertificate(certname, at);
    if (live) return this.answerForLive(live, csr, at);
    // With no live certificate, a signed one for this key has expired.
    const expired = await this.store.certificates.signedCertificateForKey(certname, csr.publicKeySha256);
    const request: CertificateRequest = { certname, csrPem, publicKeySha256: csr.publicKeySha256, requestedAt: at, renewalOf: expired?.serialHex };
    if (token && !expired) return await this.signWithToken(request, csr, token, at);
    return this.waitForOperator(request, expired, at);
  }

  private async waitForOperator(request: CertificateRequest, expired: CertificateRecord | undefined, at: Date): Promise<CsrAnswer> {
    const { certname, publicKeySha256 } = request;
    const waiting = await this.store.certificates.pendingCertificate(certname);
    if (waiting && waiting.publicKeySha256 !== publicKeySha256) {
      await this.audit(this.store, at, `agent:${certname}`, "csr.refuse", certname, { reason: "another key's request waits", publicKeySha256, waitingPublicKeySha256: waiting.publicKeySha256 });
      throw new AnclaError(
        "ANCLA_E_CSR_CONFLICT",
        `a request for "${certname}" with another key (${formatSha256(waiting.publicKeySha256)}) already waits; if it is not this host's, an operator rejects it (ancla cert reject ${certname}) and this host asks again`,
      );
    }
    if (!waiting) {
      const max = this.options.maxWaitingRequests ?? MAX_WAITING_REQUESTS;
      if ((await this.store.certificates.countPendingRequests()) >= max) {
        throw new AnclaError("ANCLA_E_RESOURCE_EXHAUSTED", `${max} certificate requests already wait; an operator signs or rejects some (ancla cert list) before more are taken`);
      }
      await this.store.transaction(async (tx) => {
        await tx.certificates.savePendingRequest(request);
        await this.audit(tx, at, `agent:${certname}`, "csr.submit", certname, { publicKeySha256, renewalOf: request.renewalOf ?? null });
      });
    }
    return { state: "pending", certname, message: pendingMessage(certname, publicKeySha256, expired) };
  }

  /** Waiting requests older than WAITING_REQUEST_TTL_MS are dropped (audited); their agents have long stopped waiting. */
  private async expireWaitingRequests(at: Date): Promise<void> {
    await this.store.transaction(async (tx) => {
      const names = await tx.certificates.expirePendingRequests(new Date(at.getTime() - WAITING_REQUEST_TTL_MS));
      for (const certname of names) await this.audit(tx, at, "system", "csr.expire", certname, { olderThanDays: WAITING_REQUEST_TTL_MS / 86_400_000 });
    });
  }

  private async answerForLive(live: CertificateRecord, csr: VerifiedCsr, at: Date): Promise<CsrAnswer> {
    const { certname } = csr;
    if (live.publicKeySha256 === csr.publicKeySha256) {
      return { state: "signed", certname, certPem: live.certPem, message: `"${certname}" already has a certificate for this key` };
    }
    await this.audit(this.store, at, `agent:${certname}`, "csr.reject", certname, { reason: "certname has a live certificate for another key", publicKeySha256: csr.publicKeySha256 });
    return {
      state: "rejected",
      certname,
      message: `"${certname}" already has a signed certificate for another key; if this host was rebuilt, run \`ancla cert revoke ${certname}\` and bootstrap again`,
    };
  }

  private async signWithToken(request: CertificateRequest, csr: VerifiedCsr, token: string, at: Date): Promise<CsrAnswer> {
    const { certname } = request;
    const record = await this.store.certificates.findBootstrapToken(hashSecret(token));
    const usable =
      record !== undefined &&
      record.expiresAt > at &&
      !record.revokedAt &&
      !(record.oneTime && record.usedAt) &&
      (record.certnameGlob === undefined || picomatch.isMatch(certname, record.certnameGlob));
    // One message for every reason: a caller guessing tokens learns nothing about which part failed.
    const refused = new AnclaError("ANCLA_E_TOKEN_INVALID", `the bootstrap token is invalid, expired, used, or not for "${certname}"`);
    if (!usable) {
      await this.audit(this.store, at, `agent:${certname}`, "csr.token-refused", certname, { tokenId: record?.id ?? null });
      throw refused;
    }
    // Issue before the transaction: RSA signing is slow, and the transaction only has to be atomic.
    const issued = this.issue(certname, csr.publicKeyPem, at);
    await this.store.transaction(async (tx) => {
      if (!(await tx.certificates.claimBootstrapToken(record.id, at))) throw refused;
      await tx.certificates.insertSignedCertificate(request, issued);
      await this.audit(tx, at, `bootstrap-token:${record.id}`, "cert.sign", certname, { serialHex: issued.serialHex, notAfter: issued.notAfter.toISOString() });
    });
    return { state: "signed", certname, certPem: issued.certPem, message: `"${certname}" signed with bootstrap token ${record.id}` };
  }

  /** What an agent polling for its certificate learns: the certificate only for the key it asked with. */
  async getCertificate(certname: string, publicKeySha256: string): Promise<{ state: CertificateAnswerState; certPem?: string; message: string }> {
    const row = await this.store.certificates.certificateForKey(certname, publicKeySha256);
    if (!row) return { state: "unknown", message: `no request from "${certname}" for this key` };
    switch (row.state) {
      case "signed":
        return { state: "signed", certPem: row.certPem, message: `"${certname}" is signed` };
      case "pending":
        return { state: "pending", message: pendingMessage(certname, publicKeySha256) };
      case "revoked":
        return { state: "revoked", message: `the certificate of "${certname}" was revoked` };
      case "rejected":
        return { state: "rejected", message: `the request of "${certname}" was rejected` };
    }
  }

  /**
   * An agent renews its own certificate before it expires. The caller was
   * authenticated by its current certificate, so no operator is needed; the
   * old certificate stays valid until it expires, so a renewal that fails
   * half-way never locks the agent out. Only for the same key: a stolen
   * certificate must not mint certificates for the thief's own key. Rotating
   * the key is `ancla cert revoke` and a new bootstrap, which an operator approves.
   */
  async renew(certname: string, csrPem: string, at: Date = new Date()): Promise<{ certPem: string; notAfter: Date }> {
    const csr = verifyCsr(csrPem);
    if (csr.certname !== certname) throw new AnclaError("ANCLA_E_PERMISSION_DENIED", `"${certname}" may not request a certificate for "${csr.certname}"`);
    const current = await this.store.certificates.liveCertificate(certname, at);
    if (current?.publicKeySha256 !== csr.publicKeySha256) {
      await this.audit(this.store, at, `agent:${certname}`, "cert.renew-refused", certname, { reason: "another key than the current certificate's", publicKeySha256: csr.publicKeySha256 });
      throw new AnclaError(
        "ANCLA_E_PERMISSION_DENIED",
        `a renewal of "${certname}" must use the key of its current certificate; to change the key, an operator revokes it (ancla cert revoke ${certname}) and the host bootstraps again`,
      );
    }
    const issued = this.issue(certname, csr.publicKeyPem, at);
    const request: CertificateRequest = { certname, csrPem, publicKeySha256: csr.publicKeySha256, requestedAt: at };
    await this.store.transaction(async (tx) => {
      await tx.certificates.insertSignedCertificate(request, issued);
      await this.audit(tx, at, `agent:${certname}`, "cert.renew", certname, { serialHex: issued.serialHex, notAfter: issued.notAfter.toISOString() });
    });
    return { certPem: issued.certPem, notAfter: issued.notAfter };
  }

  /** Signs the waiting request of `certname`. */
  async sign(certname: string, actor: string, at: Date = new Date()): Promise<CertificateSummary> {
    await this.expireWaitingRequests(at);
    const pending = await this.store.certificates.pendingCertificate(certname);
    if (!pending) {
      if (await this.store.certificates.liveCertificate(certname, at)) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `"${certname}" is already signed and has no waiting request`);
      throw new AnclaError("ANCLA_E_CERT_UNKNOWN", `no waiting certificate request for "${certname}"`);
    }
    // Re-verified rather than trusted from the table: the key to certify comes from the CSR itself.
    const issued = this.issue(certname, verifyCsr(pending.csrPem).publicKeyPem, at);
    await this.store.transaction(async (tx) => {
      await tx.certificates.markCertificateSigned(pending.id, issued);
      await this.audit(tx, at, actor, "cert.sign", certname, { serialHex: issued.serialHex, notAfter: issued.notAfter.toISOString(), renewalOf: pending.renewalOf ?? null });
    });
    return summary({ ...pending, state: "signed", ...issued });
  }

  /**
   * Refuses the waiting request of `certname` (as `puppetserver ca clean` of a
   * request): the agent polling for it is told it was rejected and stops; the
   * host may bootstrap again later with a new request.
   */
  async reject(certname: string, actor: string, at: Date = new Date()): Promise<CertificateSummary> {
    await this.expireWaitingRequests(at);
    const pending = await this.store.certificates.pendingCertificate(certname);
    if (!pending) throw new AnclaError("ANCLA_E_CERT_UNKNOWN", `no waiting certificate request for "${certname}"`);
    await this.store.transaction(async (tx) => {
      await tx.certificates.markCertificateRejected(pending.id, at);
      await this.audit(tx, at, actor, "cert.reject", certname, { publicKeySha256: pending.publicKeySha256 });
    });
    return summary({ ...pending, state: "rejected", rejectedAt: at });
  }

  /** Revokes every signed certificate of `certname` and rebuilds the CRL. */
  async revoke(certname: string, actor: string, at: Date = new Date()): Promise<{ certname: string; serials: string[] }> {
    const serials = await this.store.transaction(async (tx) => {
      const revoked = await tx.certificates.revokeCertificates(certname, at);
      if (revoked.length > 0) await this.audit(tx, at, actor, "cert.revoke", certname, { serials: revoked });
      return revoked;
    });
    if (serials.length === 0) throw new AnclaError("ANCLA_E_CERT_UNKNOWN", `"${certname}" has no signed certificate to revoke`);
    this.crl = undefined;
    return { certname, serials };
  }

  /** The newest request or certificate of every certname (expired waiting requests dropped first). */
  async list(at: Date = new Date()): Promise<CertificateSummary[]> {
    await this.expireWaitingRequests(at);
    return (await this.store.certificates.listCertificates()).map(summary);
  }

  async isRevoked(serialHex: string): Promise<boolean> {
    return await this.store.certificates.isSerialRevoked(serialHex);
  }

  /** The CA's CRL (DER), cached; rebuilt after a revocation and before half its validity has passed. */
  async crlDer(now: Date = new Date()): Promise<Uint8Array> {
    return (await this.revocationList(now)).der;
  }

  async revocationList(now: Date = new Date()): Promise<RevocationList> {
    if (!this.crl || now.getTime() - this.crl.builtAt > CRL_VALIDITY_MS / 2) {
      const der = buildCrl(this.ca, await this.store.certificates.revokedCertificates(), now, new Date(now.getTime() + CRL_VALIDITY_MS));
      this.crl = { der, sha256: createHash("sha256").update(der).digest("hex"), builtAt: now.getTime() };
    }
    return this.crl;
  }

  /** Builds the CRL afresh at its next use: another process (the CLI) revoked a certificate in the shared database. */
  forgetRevocationList(): void {
    this.crl = undefined;
  }

  async createBootstrapToken(opts: BootstrapTokenOptions, actor: string, at: Date = new Date()): Promise<CreatedToken> {
    const { ttlSeconds, certnameGlob } = opts;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
      throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `token ttl must be a whole number of seconds from 1 to ${MAX_TOKEN_TTL_SECONDS} (7 days), got ${ttlSeconds}`);
    }
    if (certnameGlob !== undefined && certnameGlob.trim() === "") throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", "the certname glob is empty; omit it to allow any certname");
    const token = newSecret("bootstrap");
    const id = newTokenId();
    const expiresAt = new Date(at.getTime() + ttlSeconds * 1000);
    const oneTime = opts.oneTime ?? true;
    await this.store.transaction(async (tx) => {
      await tx.certificates.insertBootstrapToken({ id, secretSha256: hashSecret(token), certnameGlob, expiresAt, oneTime, createdBy: actor, createdAt: at });
      await this.audit(tx, at, actor, "token.create", id, { certnameGlob: certnameGlob ?? null, expiresAt: expiresAt.toISOString(), oneTime });
    });
    return { token, id, expiresAt };
  }

  /** An operator token for the HTTP API. */
  async createApiToken(role: Role, name: string, actor = "system", at: Date = new Date()): Promise<{ token: string; id: string }> {
    if (!ROLES.includes(role)) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `unknown role "${role}"; use one of ${ROLES.join(", ")}`);
    const token = newSecret("api");
    const id = newTokenId();
    await this.store.transaction(async (tx) => {
      await tx.access.insertApiToken({ id, secretSha256: hashSecret(token), role, name, createdAt: at });
      await this.audit(tx, at, actor, "api-token.create", id, { role, name });
    });
    return { token, id };
  }

  /** Revokes a bootstrap token at once: it enrols no more agents. Revoking a revoked token changes nothing. */
  async revokeBootstrapToken(id: string, actor: string, at: Date = new Date()): Promise<BootstrapTokenRecord> {
    return this.store.transaction(async (tx) => {
      const token = (await tx.certificates.listBootstrapTokens()).find((t) => t.id === id);
      if (!token) throw new AnclaError("ANCLA_E_NOT_FOUND", `no bootstrap token "${id}"`);
      if (token.revokedAt) return token;
      await tx.certificates.revokeBootstrapToken(id, at);
      await this.audit(tx, at, actor, "token.revoke", id, { certnameGlob: token.certnameGlob ?? null });
      return { ...token, revokedAt: at };
    });
  }

  /**
   * Revokes an API token at once (its next request is a 401) and ends its
   * dashboard sessions. The last live admin token stays: without it nobody
   * could make tokens or revoke anything again.
   */
  async revokeApiToken(id: string, actor: string, at: Date = new Date()): Promise<ApiTokenRecord> {
    return this.store.transaction(async (tx) => {
      const token = await tx.access.getApiToken(id);
      if (!token) throw new AnclaError("ANCLA_E_NOT_FOUND", `no API token "${id}"`);
      if (token.revokedAt) return token;
      const admins = (await tx.access.listApiTokens()).filter((t) => t.role === "admin" && !t.revokedAt);
      if (token.role === "admin" && admins.length === 1) {
        throw new AnclaError("ANCLA_E_LAST_ADMIN_TOKEN", `API token ${id} ("${token.name}") is the last live admin token; create another admin token first`);
      }
      await tx.access.revokeApiToken(id, at);
      await this.audit(tx, at, actor, "api-token.revoke", id, { role: token.role, name: token.name });
      return { ...token, revokedAt: at };
    });
  }

  private issue(certname: string, publicKeyPem: string, at: Date): IssuedCertificate {
    const serialHex = randomSerialHex();
    const certPem = issueCertificate(this.ca, { commonName: certname, publicKeyPem, usage: "client", serialHex, validityDays: this.options.agentCertDays });
    return { certPem, serialHex: normalizeSerialHex(serialHex), notAfter: new Date(new X509Certificate(certPem).validTo), signedAt: at };
  }

  private async audit(parts: StoreParts, at: Date, actor: string, action: string, target: string, detail: Record<string, unknown>): Promise<void> {
    await parts.audit.appendAudit({ at, actor, action, target, detail });
  }
}

function summary(r: Omit<CertificateRecord, "id" | "csrPem">): CertificateSummary {
  return {
    certname: r.certname,
    state: r.state,
    publicKeySha256: r.publicKeySha256,
    serialHex: r.serialHex,
    notAfter: r.notAfter,
    requestedAt: r.requestedAt,
    signedAt: r.signedAt,
    revokedAt: r.revokedAt,
    rejectedAt: r.rejectedAt,
    renewalOf: r.renewalOf,
  };
}

/** What a waiting agent is told; it prints its own key fingerprint, so the operator can compare it with `ancla cert list`. */
function pendingMessage(certname: string, publicKeySha256: string, expired?: CertificateRecord): string {
  const key = formatSha256(publicKeySha256);
  if (!expired) return `request for "${certname}" (key ${key}) waits for an operator: ancla cert sign ${certname}`;
  return (
    `the certificate of "${certname}" (serial ${expired.serialHex}) expired on ${expired.notAfter?.toISOString()}; ` +
    `a renewal with the same key (${key}) waits for an operator: ancla cert sign ${certname}`
  );
}
