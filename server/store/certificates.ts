// The store's part for the CA: certificate requests and certificates of
// agents (one row per key and state), the server's own revoked certificates,
// and the bootstrap tokens that let a request be signed without an operator.

export type CertificateState = "pending" | "signed" | "rejected" | "revoked";

export interface CertificateRecord {
  id: number;
  certname: string;
  state: CertificateState;
  csrPem: string;
  publicKeySha256: string;
  certPem?: string;
  /** Canonical serial (pki/serial.ts). */
  serialHex?: string;
  notAfter?: Date;
  requestedAt: Date;
  signedAt?: Date;
  revokedAt?: Date;
  rejectedAt?: Date;
  /** A waiting request from the key of this expired, unrevoked certificate (its serial). */
  renewalOf?: string;
}

export interface CertificateRequest {
  certname: string;
  csrPem: string;
  publicKeySha256: string;
  requestedAt: Date;
  renewalOf?: string;
}

export interface IssuedCertificate {
  certPem: string;
  serialHex: string;
  notAfter: Date;
  signedAt: Date;
}

export interface BootstrapTokenRecord {
  id: string;
  secretSha256: string;
  certnameGlob?: string;
  expiresAt: Date;
  oneTime: boolean;
  usedAt?: Date;
  createdBy: string;
  createdAt: Date;
  /** A revoked token signs nothing more. */
  revokedAt?: Date;
}

export interface CertificateStore {
  isSerialRevoked(serialHex: string): Promise<boolean>;
  pendingCertificate(certname: string): Promise<CertificateRecord | undefined>;
  /** The newest signed (unrevoked) certificate of the node, if it is not expired at `at`. */
  liveCertificate(certname: string, at: Date): Promise<CertificateRecord | undefined>;
  /** The newest row of the node for this public key. */
  certificateForKey(certname: string, publicKeySha256: string): Promise<CertificateRecord | undefined>;
  /** The newest signed (unrevoked, possibly expired) certificate of the node for this public key. */
  signedCertificateForKey(certname: string, publicKeySha256: string): Promise<CertificateRecord | undefined>;
  /** Stores a waiting request; the node must have none (the CA service refuses a second key). */
  savePendingRequest(req: CertificateRequest): Promise<void>;
  countPendingRequests(): Promise<number>;
  /** Deletes the waiting requests made before `before`; resolves with their certnames. */
  expirePendingRequests(before: Date): Promise<string[]>;
  insertSignedCertificate(req: CertificateRequest, issued: IssuedCertificate): Promise<void>;
  /** Refused (ANCLA_E_CERT_UNKNOWN) when the request is no longer pending. */
  markCertificateSigned(id: number, issued: IssuedCertificate): Promise<void>;
  /** A waiting request refused by an operator; refused when it is no longer pending. */
  markCertificateRejected(id: number, at: Date): Promise<void>;
  /** Revokes every signed certificate of the node; resolves with their serials. */
  revokeCertificates(certname: string, at: Date): Promise<string[]>;
  /** The newest row per certname. */
  listCertificates(): Promise<CertificateRecord[]>;
  /** The newest certificate row of a certname (its current state: pending, signed, revoked, rejected). */
  latestCertificate(certname: string): Promise<CertificateRecord | undefined>;
  /** Every revoked certificate, agents' and the server's own, oldest revocation first (the CRL). */
  revokedCertificates(): Promise<{ serialHex: string; revokedAt: Date }[]>;
  /** Revokes one of the server's own certificates (a rotated signing key); revoking it again changes nothing. */
  revokeServerCertificate(serialHex: string, subject: string, at: Date): Promise<void>;

  // Bootstrap tokens
  insertBootstrapToken(t: BootstrapTokenRecord): Promise<void>;
  findBootstrapToken(secretSha256: string): Promise<BootstrapTokenRecord | undefined>;
  /** Marks the token used; false when it is one-time and already used (someone else won the race) or revoked. */
  claimBootstrapToken(id: string, at: Date): Promise<boolean>;
  /** Newest first (secrets are stored hashed only). */
  listBootstrapTokens(): Promise<BootstrapTokenRecord[]>;
  /** Marks the token revoked; false when there is no such token or it was revoked already. */
  revokeBootstrapToken(id: string, at: Date): Promise<boolean>;
}
