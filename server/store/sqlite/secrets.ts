// The SQLite implementation of SecretStore.
import type { SecretRecord, SecretScope, SecretStore, SecretVersion } from "../secrets.js";
import { date, ms, type Statements } from "./statements.js";

interface SecretRow {
  name: string;
  environment: string | null;
  nodes_glob: string | null;
  description: string | null;
  created_by: string;
  created_at: number;
  updated_by: string;
  updated_at: number;
  version: number;
  versions: number;
}

interface VersionRow {
  name: string;
  version: number;
  kek_version: number;
  wrapped_key: Buffer;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  created_by: string;
  created_at: number;
}

const SECRET_SELECT = `SELECT s.name, s.environment, s.nodes_glob, s.description, s.created_by, s.created_at, s.updated_by, s.updated_at,
  (SELECT MAX(version) FROM secret_versions v WHERE v.name = s.name) AS version,
  (SELECT COUNT(*) FROM secret_versions v WHERE v.name = s.name) AS versions
  FROM secrets s`;

const VERSION_COLUMNS = "name, version, kek_version, wrapped_key, iv, ciphertext, tag, created_by, created_at";

export class SqliteSecretStore implements SecretStore {
  constructor(private readonly q: Statements) {}

  async getSecret(name: string): Promise<SecretRecord | undefined> {
    const r = this.q.get<SecretRow>(`${SECRET_SELECT} WHERE s.name = ?`, name);
    return r && secretOf(r);
  }

  async listSecrets(): Promise<SecretRecord[]> {
    return this.q.all<SecretRow>(`${SECRET_SELECT} ORDER BY s.name`).map(secretOf);
  }

  async putSecret(s: { name: string; description?: string; by: string; at: Date } & SecretScope, v: SecretVersion): Promise<void> {
    this.q.run(
      `INSERT INTO secrets (name, environment, nodes_glob, description, created_by, created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET environment = excluded.environment, nodes_glob = excluded.nodes_glob, description = excluded.description,
         updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      s.name,
      s.environment ?? null,
      s.nodesGlob ?? null,
      s.description ?? null,
      s.by,
      ms(s.at),
      s.by,
      ms(s.at),
    );
    this.q.run(
      `INSERT INTO secret_versions (${VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      v.name,
      v.version,
      v.kekVersion,
      v.wrappedKey,
      v.iv,
      v.ciphertext,
      v.tag,
      v.createdBy,
      ms(v.createdAt),
    );
  }

  async sealedVersion(name: string, version?: number): Promise<SecretVersion | undefined> {
    const r =
      version === undefined
        ? this.q.get<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM secret_versions WHERE name = ? ORDER BY version DESC LIMIT 1`, name)
        : this.q.get<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM secret_versions WHERE name = ? AND version = ?`, name, version);
    return r && versionOf(r);
  }

  async versionsNotUnder(kekVersion: number): Promise<SecretVersion[]> {
    return this.q.all<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM secret_versions WHERE kek_version != ? ORDER BY name, version`, kekVersion).map(versionOf);
  }

  async rewrap(name: string, version: number, kekVersion: number, wrappedKey: Uint8Array): Promise<void> {
    this.q.run("UPDATE secret_versions SET kek_version = ?, wrapped_key = ? WHERE name = ? AND version = ?", kekVersion, wrappedKey, name, version);
  }

  async oneVersionUnder(kekVersion: number): Promise<SecretVersion | undefined> {
    const r = this.q.get<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM secret_versions WHERE kek_version = ? LIMIT 1`, kekVersion);
    return r && versionOf(r);
  }

  async kekVersionsInUse(): Promise<number[]> {
    return this.q.all<{ kek_version: number }>("SELECT DISTINCT kek_version FROM secret_versions ORDER BY kek_version").map((r) => r.kek_version);
  }

  async deleteSecret(name: string): Promise<boolean> {
    return this.q.run("DELETE FROM secrets WHERE name = ?", name) > 0;
  }

  async recordDeliveries(certname: string, uses: readonly { name: string; version: number }[]): Promise<boolean> {
    const held = this.q.all<{ name: string; version: number }>("SELECT name, version FROM secret_deliveries WHERE certname = ?", certname);
    const now = new Set(uses.map((u) => `${u.name}@${u.version}`));
    const released = held.some((h) => !now.has(`${h.name}@${h.version}`));
    if (held.length === 0 && uses.length === 0) return false;
    this.q.run("DELETE FROM secret_deliveries WHERE certname = ?", certname);
    for (const u of uses) this.q.run("INSERT INTO secret_deliveries (certname, name, version) VALUES (?, ?, ?)", certname, u.name, u.version);
    return released;
  }

  async retireUnused(): Promise<{ name: string; version: number }[]> {
    // A deactivated node's catalog is not waited for: it is gone from the fleet.
    return this.q
      .all<{ name: string; version: number }>(
        `DELETE FROM secret_versions AS v
        WHERE v.version < (SELECT MAX(version) FROM secret_versions n WHERE n.name = v.name)
          AND NOT EXISTS (SELECT 1 FROM secret_deliveries d LEFT JOIN node_summaries s ON s.certname = d.certname
                           WHERE d.name = v.name AND d.version = v.version AND s.deactivated_at IS NULL)
        RETURNING name, version`,
      )
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version - b.version));
  }
}

function secretOf(r: SecretRow): SecretRecord {
  return {
    name: r.name,
    environment: r.environment ?? undefined,
    nodesGlob: r.nodes_glob ?? undefined,
    description: r.description ?? undefined,
    createdBy: r.created_by,
    createdAt: date(r.created_at),
    updatedBy: r.updated_by,
    updatedAt: date(r.updated_at),
    version: r.version,
    versions: r.versions,
  };
}

function versionOf(r: VersionRow): SecretVersion {
  return {
    name: r.name,
    version: r.version,
    kekVersion: r.kek_version,
    wrappedKey: r.wrapped_key,
    iv: r.iv,
    ciphertext: r.ciphertext,
    tag: r.tag,
    createdBy: r.created_by,
    createdAt: date(r.created_at),
  };
}
