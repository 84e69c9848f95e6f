// The SQLite implementation of CertificateStore.
import { normalizeSerialHex } from "../../../pki/serial.js";
import { AnclaError } from "../../../core/errors.js";
import type { BootstrapTokenRecord, CertificateRecord, CertificateRequest, CertificateState, CertificateStore, IssuedCertificate } from "../certificates.js";
import { date, ms, optDate, optStr, type Statements } from "./statements.js";

const CERTIFICATE_COLUMNS = "id, certname, state, csr_pem, public_key_sha256, cert_pem, serial_hex, not_after, requested_at, signed_at, revoked_at, rejected_at, renewal_of";
const TOKEN_COLUMNS = "id, secret_sha256, certname_glob, expires_at, one_time, used_at, created_by, created_at, revoked_at";

interface CertificateRow {
  id: number;
  certname: string;
  state: CertificateState;
  csr_pem: string;
  public_key_sha256: string;
  cert_pem: string | null;
  serial_hex: string | null;
  not_after: number | null;
  requested_at: number;
  signed_at: number | null;
  revoked_at: number | null;
  rejected_at: number | null;
  renewal_of: string | null;
}

interface TokenRow {
  id: string;
  secret_sha256: string;
  certname_glob: string | null;
  expires_at: number;
  one_time: number;
  used_at: number | null;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
}

export class SqliteCertificateStore implements CertificateStore {
  constructor(private readonly q: Statements) {}

  private one(where: string, ...params: unknown[]): CertificateRecord | undefined {
    const r = this.q.get<CertificateRow>(`SELECT ${CERTIFICATE_COLUMNS} FROM certificates WHERE ${where}`, ...params);
    return r && certificateRecord(r);
  }

  async isSerialRevoked(serialHex: string): Promise<boolean> {
    // On every agent RPC: one statement for both tables.
    const sql = `SELECT EXISTS (SELECT 1 FROM certificates WHERE state = 'revoked' AND serial_hex = @serial)
      OR EXISTS (SELECT 1 FROM revoked_server_certificates WHERE serial_hex = @serial) AS revoked`;
    return this.q.get<{ revoked: number }>(sql, { serial: normalizeSerialHex(serialHex) })?.revoked === 1;
  }

  async pendingCertificate(certname: string): Promise<CertificateRecord | undefined> {
    return this.one(`certname = ? AND state = 'pending'`, certname);
  }

  async liveCertificate(certname: string, at: Date): Promise<CertificateRecord | undefined> {
    return this.one(`certname = ? AND state = 'signed' AND not_after > ? ORDER BY id DESC LIMIT 1`, certname, ms(at));
  }

  async certificateForKey(certname: string, publicKeySha256: string): Promise<CertificateRecord | undefined> {
    return this.one(`certname = ? AND public_key_sha256 = ? ORDER BY id DESC LIMIT 1`, certname, publicKeySha256);
  }

  async signedCertificateForKey(certname: string, publicKeySha256: string): Promise<CertificateRecord | undefined> {
    return this.one(`certname = ? AND public_key_sha256 = ? AND state = 'signed' ORDER BY id DESC LIMIT 1`, certname, publicKeySha256);
  }

  async latestCertificate(certname: string): Promise<CertificateRecord | undefined> {
    return this.one(`certname = ? ORDER BY id DESC LIMIT 1`, certname);
  }

  async savePendingRequest(req: CertificateRequest): Promise<void> {
    // No DELETE of a waiting request first: replacing one would let anyone swap their key in (the unique index refuses a second).
    this.q.run(
      `INSERT INTO certificates (certname, state, csr_pem, public_key_sha256, requested_at, renewal_of) VALUES (?, 'pending', ?, ?, ?, ?)`,
      req.certname,
      req.csrPem,
      req.publicKeySha256,
      ms(req.requestedAt),
      req.renewalOf ?? null,
    );
  }

  async countPendingRequests(): Promise<number> {
    return this.q.get<{ n: number }>(`SELECT COUNT(*) AS n FROM certificates WHERE state = 'pending'`)?.n ?? 0;
  }

  async expirePendingRequests(before: Date): Promise<string[]> {
    return this.q.transaction(() => {
      const names = this.q.all<{ certname: string }>(`SELECT certname FROM certificates WHERE state = 'pending' AND requested_at < ?`, ms(before)).map((r) => r.certname);
      if (names.length > 0) this.q.run(`DELETE FROM certificates WHERE state = 'pending' AND requested_at < ?`, ms(before));
      return names;
    });
  }

  async insertSignedCertificate(req: CertificateRequest, issued: IssuedCertificate): Promise<void> {
    this.q.transaction(() => {
      // A request signed through another path (a token) supersedes the one waiting for an operator.
      this.q.run(`DELETE FROM certificates WHERE certname = ? AND state = 'pending'`, req.certname);
      this.q.run(
        `INSERT INTO certificates (certname, state, csr_pem, public_key_sha256, cert_pem, serial_hex, not_after, requested_at, signed_at)
         VALUES (?, 'signed', ?, ?, ?, ?, ?, ?, ?)`,
        req.certname,
        req.csrPem,
        req.publicKeySha256,
        issued.certPem,
        issued.serialHex,
        ms(issued.notAfter),
        ms(req.requestedAt),
        ms(issued.signedAt),
      );
    });
  }

  async markCertificateSigned(id: number, issued: IssuedCertificate): Promise<void> {
    const changed = this.q.run(
      `UPDATE certificates SET state = 'signed', cert_pem = ?, serial_hex = ?, not_after = ?, signed_at = ? WHERE id = ? AND state = 'pending'`,
      issued.certPem,
      issued.serialHex,
      ms(issued.notAfter),
      ms(issued.signedAt),
      id,
    );
    if (changed === 0) throw new AnclaError("ANCLA_E_CERT_UNKNOWN", `certificate request ${id} is no longer pending`);
  }

  async markCertificateRejected(id: number, at: Date): Promise<void> {
    const changed = this.q.run(`UPDATE certificates SET state = 'rejected', rejected_at = ? WHERE id = ? AND state = 'pending'`, ms(at), id);
    if (changed === 0) throw new AnclaError("ANCLA_E_CERT_UNKNOWN", `certificate request ${id} is no longer pending`);
  }

  async revokeCertificates(certname: string, at: Date): Promise<string[]> {
    return this.q.transaction(() => {
      const serials = this.q.all<{ serial_hex: string }>(`SELECT serial_hex FROM certificates WHERE certname = ? AND state = 'signed'`, certname).map((r) => r.serial_hex);
      this.q.run(`UPDATE certificates SET state = 'revoked', revoked_at = ? WHERE certname = ? AND state = 'signed'`, ms(at), certname);
      return serials;
    });
  }

  async revokeServerCertificate(serialHex: string, subject: string, at: Date): Promise<void> {
    this.q.run(`INSERT OR IGNORE INTO revoked_server_certificates (serial_hex, subject, revoked_at) VALUES (?, ?, ?)`, normalizeSerialHex(serialHex), subject, ms(at));
  }

  async listCertificates(): Promise<CertificateRecord[]> {
    const sql = `SELECT ${CERTIFICATE_COLUMNS} FROM certificates WHERE id IN (SELECT MAX(id) FROM certificates GROUP BY certname) ORDER BY certname`;
    return this.q.all<CertificateRow>(sql).map(certificateRecord);
  }

  async revokedCertificates(): Promise<{ serialHex: string; revokedAt: Date }[]> {
    const sql = `SELECT serial_hex, revoked_at FROM certificates WHERE state = 'revoked'
      UNION ALL SELECT serial_hex, revoked_at FROM revoked_server_certificates ORDER BY revoked_at`;
    return this.q.all<{ serial_hex: string; revoked_at: number }>(sql).map((r) => ({ serialHex: r.serial_hex, revokedAt: date(r.revoked_at) }));
  }

  // ---- bootstrap tokens

  async insertBootstrapToken(t: BootstrapTokenRecord): Promise<void> {
    this.q.run(
      `INSERT INTO tokens (id, secret_sha256, certname_glob, expires_at, one_time, used_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      t.id,
      t.secretSha256,
      t.certnameGlob ?? null,
      ms(t.expiresAt),
      t.oneTime ? 1 : 0,
      t.usedAt ? ms(t.usedAt) : null,
      t.createdBy,
      ms(t.createdAt),
    );
  }

  async findBootstrapToken(secretSha256: string): Promise<BootstrapTokenRecord | undefined> {
    const r = this.q.get<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE secret_sha256 = ?`, secretSha256);
    return r && bootstrapToken(r);
  }

  async listBootstrapTokens(): Promise<BootstrapTokenRecord[]> {
    return this.q.all<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens ORDER BY created_at DESC, id`).map(bootstrapToken);
  }

  async claimBootstrapToken(id: string, at: Date): Promise<boolean> {
    // One statement, so two agents racing for a one-time token cannot both win (nor one race a revocation).
    return this.q.run(`UPDATE tokens SET used_at = ? WHERE id = ? AND revoked_at IS NULL AND (one_time = 0 OR used_at IS NULL)`, ms(at), id) === 1;
  }

  async revokeBootstrapToken(id: string, at: Date): Promise<boolean> {
    return this.q.run(`UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ms(at), id) === 1;
  }
}

function certificateRecord(r: CertificateRow): CertificateRecord {
  return {
    id: r.id,
    certname: r.certname,
    state: r.state,
    csrPem: r.csr_pem,
    publicKeySha256: r.public_key_sha256,
    certPem: optStr(r.cert_pem),
    serialHex: optStr(r.serial_hex),
    notAfter: optDate(r.not_after),
    requestedAt: date(r.requested_at),
    signedAt: optDate(r.signed_at),
    revokedAt: optDate(r.revoked_at),
    rejectedAt: optDate(r.rejected_at),
    renewalOf: optStr(r.renewal_of),
  };
}

function bootstrapToken(r: TokenRow): BootstrapTokenRecord {
  return {
    id: r.id,
    secretSha256: r.secret_sha256,
    certnameGlob: optStr(r.certname_glob),
    expiresAt: date(r.expires_at),
    oneTime: r.one_time === 1,
    usedAt: optDate(r.used_at),
    createdBy: r.created_by,
    createdAt: date(r.created_at),
    revokedAt: optDate(r.revoked_at),
  };
}
