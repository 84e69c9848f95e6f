// The API's JSON values, built to the shapes in schemas.ts: snake_case keys,
// ISO-8601 times, absent values as null, so every field is always present for scripts.
import { shownProperties } from "../../catalog/diff.js";
import { storedCatalog } from "../../catalog/envelope.js";
import type { NodeProbes } from "../health/node-probes.js";
import { resourceRef } from "../../catalog/model.js";
import { formatSha256 } from "../../pki/fingerprint.js";
import type { Event } from "../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords } from "../../proto/report-words.js";
import type { CertificateSummary } from "../ca/service.js";
import { certificateStatus } from "../ca/status.js";
import { clockSkewSeconds, runStatus, type NodeDetail, type NodeSummary } from "../status.js";
import type { CompileFailure, ReportSummary, StoredAuditEntry, StoredCatalog } from "../store/store.js";
import type { AuditEntryJson, CatalogJson, CertJson, CompileFailureJson, EventJson, NodeDetailJson, NodeJson, NodeProbesJson, ReportSummaryJson } from "./schemas.js";

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

export function certView(c: CertificateSummary): CertJson {
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

export function nodeView(n: NodeSummary): NodeJson {
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

export function nodeDetailView(n: NodeDetail): NodeDetailJson {
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

export function auditView(e: StoredAuditEntry): AuditEntryJson {
  return { id: e.id, at: e.at.toISOString(), actor: e.actor, action: e.action, target: e.target, detail: e.detail };
}

export function reportSummaryView(r: ReportSummary): ReportSummaryJson {
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

export function eventView(e: Event): EventJson {
  return { resource: e.resource, property: e.property, desired: e.desired, actual: e.actual, result: eventResultWords.word(e.result), corrective: e.corrective, message: e.message, diff: e.diff };
}

export function compileFailureView(f: CompileFailure): CompileFailureJson {
  return { certname: f.certname, site_version: f.siteVersion, at: f.at.toISOString(), problems: f.problems };
}

/** A stored catalog decoded from its signed envelope (the bytes the agents verify). */
export function catalogView(stored: StoredCatalog): CatalogJson {
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

export function nodeProbesView(certname: string, n: NodeProbes): NodeProbesJson {
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
