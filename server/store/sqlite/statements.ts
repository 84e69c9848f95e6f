// Prepared statements over one better-sqlite3 connection, each SQL text
// prepared once and reused on every RPC; shared by the store's parts (one per
// kind of data) so each reads and writes the same way. Rows are typed by the
// caller: each part declares the columns its queries select.
import type { Database, Statement } from "better-sqlite3";

export type Row = Record<string, unknown>;

export class Statements {
  private readonly cache = new Map<string, Statement>();

  constructor(readonly db: Database) {}

  stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  get<T extends object = Row>(sql: string, ...params: unknown[]): T | undefined {
    return this.stmt(sql).get(...params) as T | undefined;
  }

  all<T extends object = Row>(sql: string, ...params: unknown[]): T[] {
    return this.stmt(sql).all(...params) as T[];
  }

  /** Rows changed. */
  run(sql: string, ...params: unknown[]): number {
    return this.stmt(sql).run(...params).changes;
  }

  /** `fn` in one synchronous transaction (a savepoint inside an open one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}

export const ms = (d: Date): number => d.getTime();
export const date = (v: number): Date => new Date(v);
export const optDate = (v: number | null | undefined): Date | undefined => (v === null || v === undefined ? undefined : new Date(v));
export const optStr = (v: string | null | undefined): string | undefined => (v === null || v === undefined ? undefined : v);
