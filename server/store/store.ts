// The storage interface of the server: one part per kind of data, each its own
// asynchronous interface, so that a PostgreSQL store is a second
// implementation and not a rewrite. SQLite (sqlite/) implements it today;
// everything above (gRPC services, CA, HTTP API) depends only on these shapes.
import type { AccessStore } from "./access.js";
import type { ArtifactRecordStore } from "./artifacts.js";
import type { AuditStore } from "./audit.js";
import type { CatalogStore } from "./catalogs.js";
import type { CertificateStore } from "./certificates.js";
import type { HealthStore } from "./health.js";
import type { NodeStore } from "./nodes.js";
import type { ReleaseStore } from "./releases.js";
import type { ReportStore } from "./reports.js";
import type { RolloutStore } from "./rollouts.js";
import type { SecretStore } from "./secrets.js";

export type * from "./access.js";
export type * from "./artifacts.js";
export type * from "./audit.js";
export type * from "./catalogs.js";
export type * from "./certificates.js";
export type * from "./nodes.js";
export type * from "./releases.js";
export type * from "./reports.js";
export type * from "./secrets.js";
export { MAX_REPORT_PAGE } from "./reports.js";

/** The parts, as a transaction hands them to its body. */
export interface StoreParts {
  /** Check-ins, facts, node summaries and status counts. */
  readonly nodes: NodeStore;
  /** Signed catalogs and compile failures. */
  readonly catalogs: CatalogStore;
  readonly reports: ReportStore;
  /** The CA's certificates and the bootstrap tokens that enrol agents. */
  readonly certificates: CertificateStore;
  /** Operators' API tokens and dashboard sessions. */
  readonly access: AccessStore;
  readonly releases: ReleaseStore;
  /** Which SHA-256 each pushed NAME@VERSION names. */
  readonly artifacts: ArtifactRecordStore;
  readonly audit: AuditStore;
  /** Delivery: stable releases, rollouts. */
  readonly rollouts: RolloutStore;
  /** Probe windows and host saturation from agents. */
  readonly health: HealthStore;
  /** Secrets' scopes and their versions, sealed: ciphertext and wrapped data keys, never a value. */
  readonly secrets: SecretStore;
}

export interface Store extends StoreParts {
  /**
   * Runs `fn` in one transaction: every part it calls through `tx` commits
   * with it or not at all; other callers wait until it ends. The body should
   * touch only the store (no network, no files): it holds the write lock.
   */
  transaction<T>(fn: (tx: StoreParts) => Promise<T>): Promise<T>;
  /** Bytes the database occupies (for metrics). */
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}
