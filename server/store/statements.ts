// Prepared statements over one better-sqlite3 connection, each SQL text
// prepared once and reused on every RPC; shared by the store's parts (one per
// kind of data) so each reads and writes the same way.
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

  get(sql: string, ...params: unknown[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined;
  }

  all(sql: string, ...params: unknown[]): Row[] {
    return this.stmt(sql).all(...params) as Row[];
  }

  /** Rows changed. */
  run(sql: string, ...params: unknown[]): number {
    return this.stmt(sql).run(...params).changes;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}

export const ms = (d: Date): number => d.getTime();
export const date = (v: unknown): Date => new Date(v as number);
export const optDate = (v: unknown): Date | undefined => (v === null || v === undefined ? undefined : new Date(v as number));
export const optStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : (v as string));
