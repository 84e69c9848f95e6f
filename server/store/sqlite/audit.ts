// The SQLite implementation of AuditStore.
import type { AuditEntry, AuditStore, StoredAuditEntry } from "../audit.js";
import { date, ms, type Statements } from "./statements.js";

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  detail: string;
}

export class SqliteAuditStore implements AuditStore {
  constructor(private readonly q: Statements) {}

  async appendAudit(e: AuditEntry): Promise<void> {
    this.q.run(`INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`, ms(e.at), e.actor, e.action, e.target, JSON.stringify(e.detail));
  }

  async listAudit(opts: { limit: number; beforeId?: number }): Promise<StoredAuditEntry[]> {
    const rows = this.q.all<AuditRow>(`SELECT id, at, actor, action, target, detail FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`, opts.beforeId ?? Number.MAX_SAFE_INTEGER, opts.limit);
    return rows.map((r) => ({ id: r.id, at: date(r.at), actor: r.actor, action: r.action, target: r.target, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }
}
