// The SQLite implementation of ReleaseStore.
import type { ReleaseRecord, ReleaseStore, ReleaseSummary } from "../releases.js";
import { date, ms, optStr, type Statements } from "./statements.js";

const SUMMARY_COLUMNS = "version, commit_sha, author, subject, first_seen_at, files, bytes";

interface ReleaseRow {
  version: string;
  commit_sha: string | null;
  author: string | null;
  subject: string | null;
  first_seen_at: number;
  files: number;
  bytes: number;
}

export class SqliteReleaseStore implements ReleaseStore {
  constructor(private readonly q: Statements) {}

  async saveRelease(r: ReleaseRecord): Promise<void> {
    this.q.run(
      `INSERT OR IGNORE INTO releases (${SUMMARY_COLUMNS}, manifest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      r.version,
      r.commit ?? null,
      r.author ?? null,
      r.subject ?? null,
      ms(r.firstSeenAt),
      r.files,
      r.bytes,
      JSON.stringify(r.manifest),
    );
  }

  async listReleases(): Promise<ReleaseSummary[]> {
    return this.q.all<ReleaseRow>(`SELECT ${SUMMARY_COLUMNS} FROM releases ORDER BY first_seen_at DESC, version`).map(releaseSummary);
  }

  async deleteRelease(version: string): Promise<boolean> {
    return this.q.run(`DELETE FROM releases WHERE version = ?`, version) > 0;
  }

  async getRelease(version: string): Promise<ReleaseRecord | undefined> {
    const r = this.q.get<ReleaseRow & { manifest: string }>(`SELECT ${SUMMARY_COLUMNS}, manifest FROM releases WHERE version = ?`, version);
    return r && { ...releaseSummary(r), manifest: JSON.parse(r.manifest) as ReleaseRecord["manifest"] };
  }
}

function releaseSummary(r: ReleaseRow): ReleaseSummary {
  return {
    version: r.version,
    commit: optStr(r.commit_sha),
    author: optStr(r.author),
    subject: optStr(r.subject),
    firstSeenAt: date(r.first_seen_at),
    files: r.files,
    bytes: r.bytes,
  };
}
