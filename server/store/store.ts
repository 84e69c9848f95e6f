// The storage interface of the server. SQLite (sqlite.ts) implements it today;
// everything above (gRPC services, CA, HTTP API) depends only on this shape, so
// a PostgreSQL implementation can serve a fleet that outgrows one file.
// Methods are synchronous: better-sqlite3 is, and a row lookup on every RPC is
// cheaper than a promise.
import type { SiteProblem } from "../../catalog/compiler.js";
import type { Event, Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { HealthStore } from "./health.js";
import type { RolloutStore } from "./rollouts.js";

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
  /** Set by an operator; cleared by the node's next check-in or report. */
  deactivatedAt?: Date;
  /** Its environment as of its last successful compile (nodes.yaml `environment:`). */
  environment?: string;
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
  /** Some event changed something (intentional or corrective). */
  hasChanges: boolean;
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
  environment?: string;
}

/**
 * What a node list asks the store for. Status is evaluated in SQL at `now`
 * from the stored summaries; server/status.ts owns what each status means and
 * the tests hold the two to agreement.
 */
export interface NodeFilter {
  now: Date;
  unresponsiveAfterMs: number;
  status?: string;
  /** Certname substring, case-insensitive. */
  search?: string;
  environment?: string;
  /** A flattened fact path (dots between keys, array items by index) equal to a value, compared as text. */
  fact?: { path: string; value: string };
  sort: "certname" | "status" | "last_run";
  order: "asc" | "desc";
  limit: number;
  offset: number;
}

export const MAX_REPORT_PAGE = 500;

export interface ReportQuery {
  certname?: string;
  /** The agent's report status: changed | unchanged | failed | noop. */
  status?: string;
  /** Reports with at least one changed event. */
  changesOnly?: boolean;
  /** Reports with at least one corrective event. */
  correctiveOnly?: boolean;
  /** Runs started at or after this time. */
  since?: Date;
  /** At most 500. */
  limit: number;
  /** Opaque keyset cursor from a previous page's `next`. */
  cursor?: string;
}

export interface ReportPage {
  reports: ReportSummary[];
  /** The cursor of the next page; absent on the last page. */
  next?: string;
}

export interface EventQuery {
  changesOnly?: boolean;
  correctiveOnly?: boolean;
  limit: number;
  offset: number;
}

/** Runs of one UTC day by the status of each run (server/status.ts runStatus), kept on ingest. */
export interface DayRollup {
  /** YYYY-MM-DD, UTC, of the run's start. */
  day: string;
  runs: number;
  failed: number;
  drifted: number;
  noop: number;
  changed: number;
  unchanged: number;
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

export type Role = "viewer" | "operator" | "admin";

export interface ApiTokenRecord {
  id: string;
  secretSha256: string;
  role: Role;
  name: string;
  createdAt: Date;
  /** A revoked token authenticates nothing (findApiToken and findSession skip it). */
  revokedAt?: Date;
}

/** A dashboard login: the cookie holds a random id, the store only its SHA-256. */
export interface DashboardSession {
  idSha256: string;
  tokenId: string;
  createdAt: Date;
  expiresAt: Date;
}

/** One file of a release, as server/releases/snapshot.ts keeps it. */
export interface ReleaseFile {
  /** Relative to the site, with `/`. */
  path: string;
  /** Of the bytes; for a symlink, of `link:TARGET` (as the site version hashes it). */
  sha256: string;
  size: number;
  mode: number;
  /** Set for a symlink: where it points; it has no bytes in the store. */
  link?: string;
}

/** A kept site version (server/releases): what a node can be compiled at. */
export interface ReleaseSummary {
  version: string;
  /** From the site's git repository when it is one: the HEAD commit, its author and subject. */
  commit?: string;
  author?: string;
  subject?: string;
  firstSeenAt: Date;
  files: number;
  bytes: number;
}

export interface ReleaseRecord extends ReleaseSummary {
  manifest: ReleaseFile[];
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
  /** Delivery: stable releases, rollouts (the first part split out by kind, asynchronous). */
  readonly rollouts: RolloutStore;
  /** Health: probe windows and host saturation from agents (asynchronous, like rollouts). */
  readonly health: HealthStore;

  // Nodes
  /** A check-in: creates the node on first contact; facts, when given, replace the stored ones. */
  recordCheckin(certname: string, facts: Record<string, unknown> | undefined, at: Date): void;
  getNode(certname: string): NodeRecord | undefined;
  /** One page of active nodes matching the filter, with the number of all matches. */
  queryNodes(q: NodeFilter): { total: number; nodes: NodeOverview[] };
  /** Leaves the node out of lists and counts until it checks in or reports again; false when there is no such node. */
  deactivateNode(certname: string, at: Date): boolean;
  /** Deletes the node with its facts, reports, catalogs and compile failure (not its certificates); false when there is no such node. */
  removeNode(certname: string): boolean;
  /** How many active nodes are in each status at `now` (statuses with no node are absent). */
  countNodesByStatus(o: { now: Date; unresponsiveAfterMs: number }): Record<string, number>;
  /** Daily rollups from `fromDay` to `toDay` inclusive (YYYY-MM-DD); days without runs are absent. */
  reportDays(fromDay: string, toDay: string): DayRollup[];

  // Catalogs
  getCurrentCatalog(certname: string): StoredCatalog | undefined;
  /** The newest stored catalog with this body digest (several nodes may share one). */
  getCatalogByDigest(digest: string): StoredCatalog | undefined;
  saveCatalog(c: StoredCatalog): void;
  /** The serial the next catalog of this node gets: highest stored + 1, starting at 1. */
  nextCatalogSerial(certname: string): number;

  // Compile failures (the latest one per node)
  recordCompileFailure(certname: string, siteVersion: string, problems: SiteProblem[], at: Date): void;
  clearCompileFailure(certname: string): void;
  /** The node's environment, from its last successful compile. */
  recordEnvironment(certname: string, environment: string): void;
  getCompileFailure(certname: string): CompileFailure | undefined;
  /** Every standing compile failure, newest first. */
  listCompileFailures(): CompileFailure[];

  // Reports
  /**
   * Stores the report and its events, whole or not at all; false (storing
   * nothing) when this node already stored the run id. Asynchronous: a large
   * report is written in bounded batches that let other calls run between.
   */
  saveReport(report: Report, receivedAt: Date): Promise<boolean>;
  /** The node's most recent run (by the server's receive time: the agent's clock may be wrong). */
  latestReport(certname: string): Report | undefined;
  latestReportSummary(certname: string): ReportSummary | undefined;
  /** Newest run first (by receive time), keyset-paged. */
  listReports(q: ReportQuery): ReportPage;
  /**
   * A stored report in full: events, logs, timings. Run ids are unique per
   * node; without `certname`, a run id two nodes reported throws
   * ANCLA_E_RUN_ID_AMBIGUOUS (naming them) rather than picking one.
   */
  getReport(runId: string, certname?: string): Report | undefined;
  getReportSummary(runId: string, certname?: string): ReportSummary | undefined;
  /** The events of a report in the order the agent sent them. */
  reportEvents(runId: string, q: EventQuery, certname?: string): { total: number; events: Event[] };
  /**
   * Deletes up to `batch` reports (and their events) received before
   * `before`, except each node's latest run, which its summary stands on.
   * Returns how many were deleted; call again until it returns less than `batch`.
   */
  pruneReports(before: Date, batch: number): number;
  /** Bytes the database occupies (for metrics). */
  sizeBytes(): number;

  // Certificates
  isSerialRevoked(serialHex: string): boolean;
  pendingCertificate(certname: string): CertificateRecord | undefined;
  /** The newest signed (unrevoked) certificate of the node, if it is not expired at `at`. */
  liveCertificate(certname: string, at: Date): CertificateRecord | undefined;
  /** The newest row of the node for this public key. */
  certificateForKey(certname: string, publicKeySha256: string): CertificateRecord | undefined;
  /** The newest signed (unrevoked, possibly expired) certificate of the node for this public key. */
  signedCertificateForKey(certname: string, publicKeySha256: string): CertificateRecord | undefined;
  /** Stores a waiting request; the node must have none (the CA service refuses a second key). */
  savePendingRequest(req: CertificateRequest): void;
  countPendingRequests(): number;
  /** Deletes the waiting requests made before `before`; returns their certnames. */
  expirePendingRequests(before: Date): string[];
  insertSignedCertificate(req: CertificateRequest, issued: IssuedCertificate): void;
  markCertificateSigned(id: number, issued: IssuedCertificate): void;
  /** A waiting request refused by an operator; throws when it is no longer pending. */
  markCertificateRejected(id: number, at: Date): void;
  /** Revokes every signed certificate of the node; returns their serials. */
  revokeCertificates(certname: string, at: Date): string[];
  /** The newest row per certname. */
  listCertificates(): CertificateRecord[];
  /** The newest certificate row of a certname (its current state: pending, signed, revoked, rejected). */
  latestCertificate(certname: string): CertificateRecord | undefined;
  /** Every revoked certificate, agents' and the server's own, oldest revocation first (the CRL). */
  revokedCertificates(): { serialHex: string; revokedAt: Date }[];
  /** Revokes one of the server's own certificates (a rotated signing key); revoking it again changes nothing. */
  revokeServerCertificate(serialHex: string, subject: string, at: Date): void;

  // Bootstrap tokens
  insertBootstrapToken(t: BootstrapTokenRecord): void;
  findBootstrapToken(secretSha256: string): BootstrapTokenRecord | undefined;
  /** Marks the token used; false when it is one-time and already used (someone else won the race). */
  claimBootstrapToken(id: string, at: Date): boolean;
  /** Newest first (secrets are stored hashed only). */
  listBootstrapTokens(): BootstrapTokenRecord[];
  /** Marks the token revoked; false when there is no such token or it was revoked already. */
  revokeBootstrapToken(id: string, at: Date): boolean;

  // Operator tokens
  insertApiToken(t: ApiTokenRecord): void;
  /** A live (unrevoked) token by its secret's hash. */
  findApiToken(secretSha256: string): ApiTokenRecord | undefined;
  /** By id, revoked or not. */
  getApiToken(id: string): ApiTokenRecord | undefined;
  /** Newest first, revoked ones included. */
  listApiTokens(): ApiTokenRecord[];
  /** Marks the token revoked and deletes its dashboard sessions; false when there is no such token or it was revoked already. */
  revokeApiToken(id: string, at: Date): boolean;

  // Dashboard sessions
  /** Stores a new session (and drops expired ones, so the table does not grow with every login). */
  createSession(s: DashboardSession): void;
  /** The live token of an unexpired session, by the session id's hash. */
  findSession(idSha256: string, at: Date): ApiTokenRecord | undefined;
  deleteSession(idSha256: string): void;

  // Audit log
  appendAudit(e: AuditEntry): void;

  // Releases
  /** Keeps a release; one already kept under its version is left as it is. */
  saveRelease(r: ReleaseRecord): void;
  /** Every kept release, the newest first seen first. */
  listReleases(): ReleaseSummary[];
  getRelease(version: string): ReleaseRecord | undefined;
  deleteRelease(version: string): boolean;
  /** The releases nodes' current catalogs were compiled at: retention keeps them. */
  releaseVersionsInUse(): string[];
  /** Newest first. */
  listAudit(opts: { limit: number; beforeId?: number }): StoredAuditEntry[];
}
