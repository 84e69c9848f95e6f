// The storage interface of the server. SQLite (sqlite.ts) implements it today;
// everything above (gRPC services, CA, HTTP API) depends only on this shape, so
// a PostgreSQL implementation can serve a fleet that outgrows one file.
// Methods are synchronous: better-sqlite3 is, and a row lookup on every RPC is
// cheaper than a promise.
import type { SiteProblem } from "../../catalog/compiler.js";
import type { Report } from "../../proto/gen/ancla/v1/agent_pb.js";

export interface StoredCatalog {
  certname: string;
  serial: number;
  /** Content digest (sha256 hex) of the catalog body. */
  digest: string;
  siteVersion: string;
  /** Key over everything the compile read (site version, facts...); equal key = same result. */
  inputsKey: string;
  /** The signed envelope, serialized. */
  envelope: Uint8Array;
  compiledAt: Date;
}

export interface CompileFailure {
  certname: string;
  siteVersion: string;
  problems: SiteProblem[];
  at: Date;
}

export interface NodeRecord {
  certname: string;
  firstCheckinAt: Date;
  lastCheckinAt: Date;
  facts?: Record<string, unknown>;
  factsUpdatedAt?: Date;
}

export interface ReportCounts {
  total: number;
  changed: number;
  failed: number;
  skipped: number;
  corrective: number;
}

/** The indexed columns of a stored report: what status and listings need without parsing the report. */
export interface ReportSummary {
  runId: string;
  certname: string;
  /** changed | unchanged | failed | noop, as the agent reported it. */
  status: string;
  noop: boolean;
  catalogDigest: string;
  siteVersion: string;
  startedAt: Date;
  receivedAt: Date;
  durationMs: number;
  counts: ReportCounts;
  /** Some event was corrective (drift). */
  hasCorrective: boolean;
  /** Some event is a change a noop run held back. */
  hasPendingNoop: boolean;
  hasFailedEvent: boolean;
}

/** One node with what its status is computed from, in one query for all nodes. */
export interface NodeOverview {
  certname: string;
  firstCheckinAt: Date;
  lastCheckinAt: Date;
  latest?: ReportSummary;
  compileFailureAt?: Date;
}

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
}

export interface CertificateRequest {
  certname: string;
  csrPem: string;
  publicKeySha256: string;
  requestedAt: Date;
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
}

export type Role = "viewer" | "operator" | "admin";

export interface ApiTokenRecord {
  id: string;
  secretSha256: string;
  role: Role;
  name: string;
  createdAt: Date;
}

export interface AuditEntry {
  at: Date;
  /** Who: "token:<name>", "agent:<certname>", "bootstrap-token:<id>", "system". */
  actor: string;
  /** What, as noun.verb: "cert.sign", "token.create"... */
  action: string;
  /** On what: a certname, a token id. */
  target: string;
  detail: Record<string, unknown>;
}

export interface StoredAuditEntry extends AuditEntry {
  id: number;
}

export interface Store {
  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;
  close(): void;

  // Nodes
  /** A check-in: creates the node on first contact; facts, when given, replace the stored ones. */
  recordCheckin(certname: string, facts: Record<string, unknown> | undefined, at: Date): void;
  getNode(certname: string): NodeRecord | undefined;
  nodeOverviews(): NodeOverview[];

  // Catalogs
  getCurrentCatalog(certname: string): StoredCatalog | undefined;
  saveCatalog(c: StoredCatalog): void;
  /** The serial the next catalog of this node gets: highest stored + 1, starting at 1. */
  nextCatalogSerial(certname: string): number;

  // Compile failures (the latest one per node)
  recordCompileFailure(certname: string, siteVersion: string, problems: SiteProblem[], at: Date): void;
  clearCompileFailure(certname: string): void;
  getCompileFailure(certname: string): CompileFailure | undefined;

  // Reports
  /** Stores the report and its events; false (storing nothing) when the run id is already stored. */
  saveReport(report: Report, receivedAt: Date): boolean;
  /** The node's most recent run (by start time). */
  latestReport(certname: string): Report | undefined;
  latestReportSummary(certname: string): ReportSummary | undefined;

  // Certificates
  isSerialRevoked(serialHex: string): boolean;
  pendingCertificate(certname: string): CertificateRecord | undefined;
  /** The newest signed (unrevoked) certificate of the node, if it is not expired at `at`. */
  liveCertificate(certname: string, at: Date): CertificateRecord | undefined;
  /** The newest row of the node for this public key. */
  certificateForKey(certname: string, publicKeySha256: string): CertificateRecord | undefined;
  /** Stores a waiting request, replacing the node's previous waiting request. */
  savePendingRequest(req: CertificateRequest): void;
  insertSignedCertificate(req: CertificateRequest, issued: IssuedCertificate): void;
  markCertificateSigned(id: number, issued: IssuedCertificate): void;
  /** Revokes every signed certificate of the node; returns their serials. */
  revokeCertificates(certname: string, at: Date): string[];
  /** The newest row per certname. */
  listCertificates(): CertificateRecord[];
  revokedCertificates(): { serialHex: string; revokedAt: Date }[];

  // Bootstrap tokens
  insertBootstrapToken(t: BootstrapTokenRecord): void;
  findBootstrapToken(secretSha256: string): BootstrapTokenRecord | undefined;
  /** Marks the token used; false when it is one-time and already used (someone else won the race). */
  claimBootstrapToken(id: string, at: Date): boolean;

  // Operator tokens
  insertApiToken(t: ApiTokenRecord): void;
  findApiToken(secretSha256: string): ApiTokenRecord | undefined;

  // Audit log
  appendAudit(e: AuditEntry): void;
  /** Newest first. */
  listAudit(opts: { limit: number; beforeId?: number }): StoredAuditEntry[];
}
