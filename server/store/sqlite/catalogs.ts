// The SQLite implementation of CatalogStore.
import type { SiteProblem } from "../../../catalog/compile-seam.js";
import { AnclaError } from "../../../core/errors.js";
import type { CatalogStore, CompileFailure, StoredCatalog } from "../catalogs.js";
import { date, ms, type Statements } from "./statements.js";
import { ensureNode } from "./summaries.js";

const CATALOG_COLUMNS = "certname, serial, digest, site_version, inputs_key, envelope, compiled_at";

interface CatalogRow {
  certname: string;
  serial: number;
  digest: string;
  site_version: string;
  inputs_key: string;
  envelope: Buffer;
  compiled_at: number;
}

interface CompileFailureRow {
  certname: string;
  site_version: string;
  problems: string;
  at: number;
}

export class SqliteCatalogStore implements CatalogStore {
  constructor(private readonly q: Statements) {}

  async getCurrentCatalog(certname: string): Promise<StoredCatalog | undefined> {
    const r = this.q.get<CatalogRow>(`SELECT ${CATALOG_COLUMNS} FROM catalogs WHERE certname = ? ORDER BY serial DESC LIMIT 1`, certname);
    return r && storedCatalog(r);
  }

  async saveCatalog(c: StoredCatalog): Promise<void> {
    try {
      this.q.run(`INSERT INTO catalogs (${CATALOG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`, c.certname, c.serial, c.digest, c.siteVersion, c.inputsKey, Buffer.from(c.envelope), ms(c.compiledAt));
    } catch (err) {
      // Two compiles raced for the same serial: the caller must take a fresh nextCatalogSerial.
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") {
        throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `catalog serial ${c.serial} of "${c.certname}" is already stored`, { cause: err });
      }
      throw err;
    }
  }

  async getCatalogByDigest(digest: string): Promise<StoredCatalog | undefined> {
    const r = this.q.get<CatalogRow>(`SELECT ${CATALOG_COLUMNS} FROM catalogs WHERE digest = ? ORDER BY id DESC LIMIT 1`, digest);
    return r && storedCatalog(r);
  }

  async nextCatalogSerial(certname: string): Promise<number> {
    return this.q.get<{ next: number }>(`SELECT COALESCE(MAX(serial), 0) + 1 AS next FROM catalogs WHERE certname = ?`, certname)?.next ?? 1;
  }

  async releaseVersionsInUse(): Promise<string[]> {
    const rows = this.q.all<{ site_version: string }>(`SELECT DISTINCT c.site_version FROM catalogs c WHERE c.serial = (SELECT MAX(serial) FROM catalogs WHERE certname = c.certname)`);
    return rows.map((r) => r.site_version);
  }

  async recordCompileFailure(certname: string, siteVersion: string, problems: SiteProblem[], at: Date): Promise<void> {
    this.q.transaction(() => {
      ensureNode(this.q, certname, at);
      this.q.run(`UPDATE node_summaries SET compile_failed_at = ? WHERE certname = ?`, ms(at), certname);
      this.q.run(
        `INSERT INTO compile_failures (certname, site_version, problems, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (certname) DO UPDATE SET site_version = excluded.site_version, problems = excluded.problems, at = excluded.at`,
        certname,
        siteVersion,
        JSON.stringify(problems),
        ms(at),
      );
    });
  }

  async clearCompileFailure(certname: string): Promise<void> {
    this.q.transaction(() => {
      if (this.q.run(`DELETE FROM compile_failures WHERE certname = ?`, certname) > 0) {
        this.q.run(`UPDATE node_summaries SET compile_failed_at = NULL WHERE certname = ?`, certname);
      }
    });
  }

  async getCompileFailure(certname: string): Promise<CompileFailure | undefined> {
    const r = this.q.get<CompileFailureRow>(`SELECT certname, site_version, problems, at FROM compile_failures WHERE certname = ?`, certname);
    return r && compileFailure(r);
  }

  async listCompileFailures(): Promise<CompileFailure[]> {
    return this.q.all<CompileFailureRow>(`SELECT certname, site_version, problems, at FROM compile_failures ORDER BY at DESC, certname`).map(compileFailure);
  }
}

function storedCatalog(r: CatalogRow): StoredCatalog {
  return {
    certname: r.certname,
    serial: r.serial,
    digest: r.digest,
    siteVersion: r.site_version,
    inputsKey: r.inputs_key,
    envelope: new Uint8Array(r.envelope),
    compiledAt: date(r.compiled_at),
  };
}

function compileFailure(r: CompileFailureRow): CompileFailure {
  return { certname: r.certname, siteVersion: r.site_version, problems: JSON.parse(r.problems) as SiteProblem[], at: date(r.at) };
}
