// The store's part for the audit log: who did what to what, append-only.

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

export interface AuditStore {
  appendAudit(e: AuditEntry): Promise<void>;
  /** Newest first. */
  listAudit(opts: { limit: number; beforeId?: number }): Promise<StoredAuditEntry[]>;
}
