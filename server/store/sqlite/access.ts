// The SQLite implementation of AccessStore.
import type { AccessStore, ApiTokenRecord, DashboardSession, Role } from "../access.js";
import { date, ms, optDate, type Statements } from "./statements.js";

const TOKEN_COLUMNS = "id, secret_sha256, role, name, created_at, revoked_at";

interface ApiTokenRow {
  id: string;
  secret_sha256: string;
  role: Role;
  name: string;
  created_at: number;
  revoked_at: number | null;
}

export class SqliteAccessStore implements AccessStore {
  constructor(private readonly q: Statements) {}

  async insertApiToken(t: ApiTokenRecord): Promise<void> {
    this.q.run(`INSERT INTO api_tokens (id, secret_sha256, role, name, created_at) VALUES (?, ?, ?, ?, ?)`, t.id, t.secretSha256, t.role, t.name, ms(t.createdAt));
  }

  async findApiToken(secretSha256: string): Promise<ApiTokenRecord | undefined> {
    const r = this.q.get<ApiTokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE secret_sha256 = ? AND revoked_at IS NULL`, secretSha256);
    return r && apiToken(r);
  }

  async getApiToken(id: string): Promise<ApiTokenRecord | undefined> {
    const r = this.q.get<ApiTokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = ?`, id);
    return r && apiToken(r);
  }

  async listApiTokens(): Promise<ApiTokenRecord[]> {
    return this.q.all<ApiTokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at DESC, id`).map(apiToken);
  }

  async revokeApiToken(id: string, at: Date): Promise<boolean> {
    return this.q.transaction(() => {
      if (this.q.run(`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ms(at), id) === 0) return false;
      this.q.run(`DELETE FROM dashboard_sessions WHERE token_id = ?`, id);
      return true;
    });
  }

  async createSession(s: DashboardSession): Promise<void> {
    this.q.transaction(() => {
      this.q.run(`DELETE FROM dashboard_sessions WHERE expires_at <= ?`, ms(s.createdAt));
      this.q.run(`INSERT INTO dashboard_sessions (id_sha256, token_id, created_at, expires_at) VALUES (?, ?, ?, ?)`, s.idSha256, s.tokenId, ms(s.createdAt), ms(s.expiresAt));
    });
  }

  async findSession(idSha256: string, at: Date): Promise<ApiTokenRecord | undefined> {
    // The token is checked on every request, so a revocation ends the session at once even if a row survived.
    const r = this.q.get<ApiTokenRow>(
      `SELECT t.id, t.secret_sha256, t.role, t.name, t.created_at, t.revoked_at FROM dashboard_sessions s JOIN api_tokens t ON t.id = s.token_id
       WHERE s.id_sha256 = ? AND s.expires_at > ? AND t.revoked_at IS NULL`,
      idSha256,
      ms(at),
    );
    return r && apiToken(r);
  }

  async deleteSession(idSha256: string): Promise<void> {
    this.q.run(`DELETE FROM dashboard_sessions WHERE id_sha256 = ?`, idSha256);
  }
}

function apiToken(r: ApiTokenRow): ApiTokenRecord {
  return { id: r.id, secretSha256: r.secret_sha256, role: r.role, name: r.name, createdAt: date(r.created_at), revokedAt: optDate(r.revoked_at) };
}
