// The API's JSON shapes: snake_case keys, ISO-8601 times, absent values as null,
// so every field is always present for scripts.
import type { SiteProblem } from "../../catalog/compiler.js";
import type { CertificateSummary } from "../ca/service.js";
import type { NodeDetail, NodeSummary } from "../status.js";
import type { ReportCounts, StoredAuditEntry } from "../store/store.js";

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

export interface CertView {
  certname: string;
  state: string;
  public_key_sha256: string;
  serial: string | null;
  not_after: string | null;
  requested_at: string;
  signed_at: string | null;
  revoked_at: string | null;
}

export function certView(c: CertificateSummary): CertView {
  return {
    certname: c.certname,
    state: c.state,
    public_key_sha256: c.publicKeySha256,
    serial: c.serialHex ?? null,
    not_after: iso(c.notAfter),
    requested_at: c.requestedAt.toISOString(),
    signed_at: iso(c.signedAt),
    revoked_at: iso(c.revokedAt),
  };
}

export interface NodeView {
  certname: string;
  status: string;
  last_checkin_at: string;
  last_report_at: string | null;
  last_run_id: string | null;
  catalog_digest: string | null;
  site_version: string | null;
  counts: ReportCounts | null;
}

export function nodeView(n: NodeSummary): NodeView {
  return {
    certname: n.certname,
    status: n.status,
    last_checkin_at: n.lastCheckinAt.toISOString(),
    last_report_at: iso(n.lastReportAt),
    last_run_id: n.lastRunId ?? null,
    catalog_digest: n.catalogDigest ?? null,
    site_version: n.siteVersion ?? null,
    counts: n.counts ?? null,
  };
}

export interface NodeDetailView extends NodeView {
  first_checkin_at: string;
  facts: Record<string, unknown> | null;
  facts_updated_at: string | null;
  compile_failure: { site_version: string; at: string; problems: SiteProblem[] } | null;
}

export function nodeDetailView(n: NodeDetail): NodeDetailView {
  const f = n.compileFailure;
  return {
    ...nodeView(n),
    first_checkin_at: n.firstCheckinAt.toISOString(),
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
