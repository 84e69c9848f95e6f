// The API's JSON shapes: snake_case keys, ISO-8601 times, absent values as null,
// so every field is always present for scripts.
import type { SiteProblem } from "../../catalog/compile-seam.js";
import { shownProperties } from "../../catalog/diff.js";
import { storedCatalog } from "../../catalog/envelope.js";
import type { NodeProbes } from "../health/node-probes.js";
import { resourceRef, type Edge, type JsonValue } from "../../catalog/model.js";
import { formatSha256 } from "../../pki/fingerprint.js";
import type { Event } from "../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords } from "../../proto/report-words.js";
import type { CertificateSummary } from "../ca/service.js";
import { certificateStatus } from "../ca/status.js";
import { clockSkewSeconds, runStatus, type NodeDetail, type NodeSummary } from "../status.js";
import type { CompileFailure, ReportCounts, ReportSummary, StoredAuditEntry, StoredCatalog } from "../store/store.js";

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

export interface CertView {
  certname: string;
  state: string;
  /** The state as shown: pending, pending renewal, signed, expired, revoked, rejected (server/ca/status.ts). */
  status: string;
  public_key_sha256: string;
  /** "SHA256:AB:CD:…", as the waiting agent prints it. */
  public_key_fingerprint: string;
  serial: string | null;
  not_after: string | null;
  requested_at: string;
  signed_at: string | null;
  revoked_at: string | null;
  rejected_at: string | null;
  /** A waiting renewal: the serial of the expired certificate whose key asks again. */
  renewal_of: string | null;
}

export function certView(c: CertificateSummary): CertView {
  return {
    certname: c.certname,
    state: c.state,
    status: certificateStatus(c, new Date()),
    public_key_sha256: c.publicKeySha256,
    public_key_fingerprint: formatSha256(c.publicKeySha256),
    serial: c.serialHex ?? null,
    not_after: iso(c.notAfter),
    requested_at: c.requestedAt.toISOString(),
    signed_at: iso(c.signedAt),
    revoked_at: iso(c.revokedAt),
    rejected_at: iso(c.rejectedAt),
    renewal_of: c.renewalOf ?? null,
  };
}

export interface NodeView {
  certname: string;
  status: string;
  last_checkin_at: string;
  last_report_at: string | null;
  last_run_id: string | null;
  last_run_at: string | null;
  /** The latest run's agent clock minus the server's (start + duration vs receive time); flagged past ±60. */
  clock_skew_seconds: number | null;
  /** The agent's status of the latest run: changed | unchanged | failed | noop. */
  last_run_status: string | null;
  last_run_noop: boolean | null;
  last_run_duration_ms: number | null;
  catalog_digest: string | null;
  site_version: string | null;
  counts: ReportCounts | null;
  corrective: boolean | null;
  failed: boolean | null;
  compile_failed_at: string | null;
  /** From its last successful compile; null before one. */
  environment: string | null;
}

export function nodeView(n: NodeSummary): NodeView {
  return {
    certname: n.certname,
    status: n.status,
    last_checkin_at: n.lastCheckinAt.toISOString(),
    last_report_at: iso(n.lastReportAt),
    last_run_id: n.lastRunId ?? null,
    last_run_at: iso(n.lastRunAt),
    clock_skew_seconds: n.clockSkewSeconds ?? null,
    last_run_status: n.lastRunStatus ?? null,
    last_run_noop: n.lastRunNoop ?? null,
    last_run_duration_ms: n.lastRunDurationMs ?? null,
    catalog_digest: n.catalogDigest ?? null,
    site_version: n.siteVersion ?? null,
    counts: n.counts ?? null,
    corrective: n.corrective ?? null,
    failed: n.failed ?? null,
    compile_failed_at: iso(n.compileFailedAt),
    environment: n.environment ?? null,
  };
}

export interface NodeDetailView extends NodeView {
  first_checkin_at: string;
  deactivated_at: string | null;
  facts: Record<string, unknown> | null;
  facts_updated_at: string | null;
  compile_failure: { site_version: string; at: string; problems: SiteProblem[] } | null;
}

export function nodeDetailView(n: NodeDetail): NodeDetailView {
  const f = n.compileFailure;
  return {
    ...nodeView(n),
    first_checkin_at: n.firstCheckinAt.toISOString(),
    deactivated_at: iso(n.deactivatedAt),
    facts: n.facts ?? null,
    facts_updated_at: iso(n.factsUpdatedAt),
    compile_failure: f ? { site_version: f.siteVersion, at: f.at.toISOString(), problems: f.problems } : null,
  };
}

export interface AuditView {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
}

export function auditView(e: StoredAuditEntry): AuditView {
  return { id: e.id, at: e.at.toISOString(), actor: e.actor, action: e.action, target: e.target, detail: e.detail };
}

export interface ReportSummaryView {
  run_id: string;
  certname: string;
  /** As the agent reported it: changed | unchanged | failed | noop. */
  status: string;
  /** What the run means for its node (failed, drifted, noop-pending, changed, unchanged). */
  run_status: string;
  noop: boolean;
  catalog_digest: string;
  site_version: string;
  started_at: string;
  received_at: string;
  duration_ms: number;
  /** The agent's clock minus the server's, as far as this report tells (server/status.ts clockSkewSeconds). */
  clock_skew_seconds: number;
  counts: ReportCounts;
  has_changes: boolean;
  has_corrective: boolean;
  has_failed_event: boolean;
  has_pending_noop: boolean;
}

export function reportSummaryView(r: ReportSummary): ReportSummaryView {
  return {
    run_id: r.runId,
    certname: r.certname,
    status: r.status,
    run_status: runStatus(r),
    noop: r.noop,
    catalog_digest: r.catalogDigest,
    site_version: r.siteVersion,
    started_at: r.startedAt.toISOString(),
    received_at: r.receivedAt.toISOString(),
    duration_ms: r.durationMs,
    clock_skew_seconds: clockSkewSeconds(r),
    counts: r.counts,
    has_changes: r.hasChanges,
    has_corrective: r.hasCorrective,
    has_failed_event: r.hasFailedEvent,
    has_pending_noop: r.hasPendingNoop,
  };
}

export interface EventView {
  resource: string;
  property: string;
  desired: string;
  actual: string;
  result: string;
  corrective: boolean;
  message: string;
  /** Unified diff of a file's content; empty when none (or redacted). */
  diff: string;
}

export function eventView(e: Event): EventView {
  return { resource: e.resource, property: e.property, desired: e.desired, actual: e.actual, result: eventResultWords.word(e.result), corrective: e.corrective, message: e.message, diff: e.diff };
}

export interface CompileFailureView {
  certname: string;
  site_version: string;
  at: string;
  problems: SiteProblem[];
}

export function compileFailureView(f: CompileFailure): CompileFailureView {
  return { certname: f.certname, site_version: f.siteVersion, at: f.at.toISOString(), problems: f.problems };
}

export interface CatalogView {
  certname: string;
  serial: number;
  digest: string;
  site_version: string;
  compiled_at: string;
  expires_at: string;
  /** Properties as a person may see them: file content by digest, sensitive values redacted. */
  resources: { ref: string; type: string; title: string; properties: Record<string, JsonValue> }[];
  edges: Edge[];
}

/** A stored catalog decoded from its signed envelope (the bytes the agents verify). */
export function catalogView(stored: StoredCatalog): CatalogView {
  const catalog = storedCatalog(stored.envelope);
  return {
    certname: catalog.certname,
    serial: catalog.serial,
    digest: catalog.digest,
    site_version: catalog.siteVersion,
    compiled_at: catalog.compiledAt,
    expires_at: catalog.expiresAt,
    resources: catalog.resources.map((r) => ({ ref: resourceRef(r), type: r.type, title: r.title, properties: shownProperties(r) })),
    edges: catalog.edges,
  };
}

export function nodeProbesView(certname: string, n: NodeProbes) {
  return {
    certname,
    from: n.from.toISOString(),
    to: n.to.toISOString(),
    probes: n.probes.map((p) => ({
      probe: p.probe,
      target: p.target ?? null,
      every_seconds: p.everySeconds ?? null,
      count: p.count,
      errors: p.errors,
      error_rate: p.errorRate ?? null,
      p50_ms: p.p50Ms ?? null,
      p95_ms: p.p95Ms ?? null,
      p99_ms: p.p99Ms ?? null,
      series: p.series.map((s) => ({ at: s.at.toISOString(), count: s.count, errors: s.errors, p95_ms: s.p95Ms ?? null })),
    })),
  };
}
