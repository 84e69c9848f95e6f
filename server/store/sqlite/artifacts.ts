// The SQLite implementation of ArtifactRecordStore.
import { AnclaError } from "../../../core/errors.js";
import type { Artifact, ArtifactRecordStore } from "../artifacts.js";
import { date, ms, type Statements } from "./statements.js";

const COLUMNS = "name, version, sha256, size, pushed_by, pushed_at";

interface ArtifactRow {
  name: string;
  version: string;
  sha256: string;
  size: number;
  pushed_by: string;
  pushed_at: number;
}

export class SqliteArtifactRecordStore implements ArtifactRecordStore {
  constructor(private readonly q: Statements) {}

  async lookup(name: string, version: string): Promise<Artifact | undefined> {
    const r = this.q.get<ArtifactRow>(`SELECT ${COLUMNS} FROM artifacts WHERE name = ? AND version = ?`, name, version);
    return r && artifactOf(r);
  }

  async list(): Promise<Artifact[]> {
    return this.q.all<ArtifactRow>(`SELECT ${COLUMNS} FROM artifacts ORDER BY name, pushed_at DESC, version`).map(artifactOf);
  }

  async insert(a: Artifact): Promise<void> {
    try {
      this.q.run(`INSERT INTO artifacts (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, a.name, a.version, a.sha256, a.size, a.pushedBy, ms(a.pushedAt));
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith("SQLITE_CONSTRAINT")) throw new AnclaError("ANCLA_E_ARTIFACT_CONFLICT", `${a.name}@${a.version} is already pushed`, { cause: err });
      throw err;
    }
  }
}

function artifactOf(r: ArtifactRow): Artifact {
  return { name: r.name, version: r.version, sha256: r.sha256, size: r.size, pushedBy: r.pushed_by, pushedAt: date(r.pushed_at) };
}
