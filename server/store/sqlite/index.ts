// The SQLite implementation of Store (better-sqlite3): one file, WAL so the
// dashboard's reads never wait for an agent's write, versioned migrations.
// Every part works on the one connection; its methods do their SQL before
// they return (better-sqlite3 is synchronous) and resolve at once.
import BetterSqlite3, { type Database } from "better-sqlite3";
import { AnclaError } from "../../../core/errors.js";
import type { Store, StoreParts } from "../store.js";
import { SqliteAccessStore } from "./access.js";
import { SqliteArtifactRecordStore } from "./artifacts.js";
import { SqliteAuditStore } from "./audit.js";
import { SqliteCatalogStore } from "./catalogs.js";
import { SqliteCertificateStore } from "./certificates.js";
import { SqliteHealthStore } from "./health.js";
import { migrate } from "./migrations.js";
import { SqliteNodeStore } from "./nodes.js";
import { SqliteReleaseStore } from "./releases.js";
import { SqliteReportStore } from "./reports.js";
import { SqliteRolloutStore } from "./rollouts.js";
import { SqliteSecretStore } from "./secrets.js";
import { Statements } from "./statements.js";

/** Opens (creating if needed) and migrates the database at `file`. */
export function openStore(file: string): Store {
  let db: Database;
  try {
    db = new BetterSqlite3(file);
  } catch (err) {
    throw new AnclaError("ANCLA_E_IO", `cannot open database ${file}: ${(err as Error).message}`, { cause: err });
  }
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  // The server and an operator's maintenance job may share the file; wait rather than fail at once.
  db.pragma("busy_timeout = 5000");
  // WAL + NORMAL is durable across process crashes; only an OS crash can lose the last commits.
  db.pragma("synchronous = NORMAL");
  migrate(db);
  return new SqliteStore(db);
}

function partsOn(q: Statements): StoreParts {
  return {
    nodes: new SqliteNodeStore(q),
    catalogs: new SqliteCatalogStore(q),
    reports: new SqliteReportStore(q),
    certificates: new SqliteCertificateStore(q),
    access: new SqliteAccessStore(q),
    releases: new SqliteReleaseStore(q),
    artifacts: new SqliteArtifactRecordStore(q),
    audit: new SqliteAuditStore(q),
    rollouts: new SqliteRolloutStore(q),
    health: new SqliteHealthStore(q),
    secrets: new SqliteSecretStore(q),
  };
}

/**
 * The connection is one, so an open transaction would take in every other
 * caller's statements while its body awaits. Callers outside it therefore
 * wait for it to end: `gated` gives each part's methods that wait, which costs
 * nothing while no transaction is open. The body's own calls (through `tx`)
 * go straight to the parts.
 */
class TransactionGate {
  private ended: Promise<void> | undefined;

  /** Resolves once no transaction is open (at once when none is). */
  async idle(): Promise<void> {
    while (this.ended) await this.ended;
  }

  get open(): boolean {
    return this.ended !== undefined;
  }

  async hold<T>(db: Database, fn: () => Promise<T>): Promise<T> {
    // Checked and taken with no await in between (none at all when no transaction is open), so two
    // transactions woken together cannot both begin, and a call right after transaction() already waits.
    while (this.ended) await this.ended;
    let release!: () => void;
    this.ended = new Promise((resolve) => {
      release = resolve;
    });
    db.exec("BEGIN IMMEDIATE");
    try {
      const value = await fn();
      db.exec("COMMIT");
      return value;
    } catch (err) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw err;
    } finally {
      this.ended = undefined;
      release();
    }
  }
}

function gated<T extends object>(part: T, gate: TransactionGate): T {
  const wrapped: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(part))) {
    const method = (part as Record<string, unknown>)[name];
    if (name === "constructor" || typeof method !== "function") continue;
    const call = (...args: unknown[]): unknown => method.apply(part, args);
    wrapped[name] = (...args: unknown[]): unknown => (gate.open ? gate.idle().then(() => call(...args)) : call(...args));
  }
  return wrapped as T;
}

class SqliteStore implements Store {
  private readonly gate = new TransactionGate();
  private readonly inner: StoreParts;
  readonly nodes;
  readonly catalogs;
  readonly reports;
  readonly certificates;
  readonly access;
  readonly releases;
  readonly artifacts;
  readonly audit;
  readonly rollouts;
  readonly health;
  readonly secrets;

  constructor(private readonly db: Database) {
    this.inner = partsOn(new Statements(db));
    this.nodes = gated(this.inner.nodes, this.gate);
    this.catalogs = gated(this.inner.catalogs, this.gate);
    this.reports = gated(this.inner.reports, this.gate);
    this.certificates = gated(this.inner.certificates, this.gate);
    this.access = gated(this.inner.access, this.gate);
    this.releases = gated(this.inner.releases, this.gate);
    this.artifacts = gated(this.inner.artifacts, this.gate);
    this.audit = gated(this.inner.audit, this.gate);
    this.rollouts = gated(this.inner.rollouts, this.gate);
    this.health = gated(this.inner.health, this.gate);
    this.secrets = gated(this.inner.secrets, this.gate);
  }

  transaction<T>(fn: (tx: StoreParts) => Promise<T>): Promise<T> {
    return this.gate.hold(this.db, () => fn(this.inner));
  }

  async sizeBytes(): Promise<number> {
    return (this.db.pragma("page_count", { simple: true }) as number) * (this.db.pragma("page_size", { simple: true }) as number);
  }

  async close(): Promise<void> {
    await this.gate.idle();
    this.db.close();
  }
}
