// The artifact store: images operators push (`ancla artifact push`), named
// NAME@VERSION in sites and by SHA-256 in catalogs. The bytes live
// content-addressed on disk (<data-dir>/artifacts/ab/abcdef..., the content
// store's layout, so FetchContent serves them the same way); the names live in
// the `artifacts` table (migration 3). An upload streams to a temp file and is
// hashed as it arrives, then renamed into place: a half-written or mislabelled
// artifact never exists. A name@version, once pushed, names its bytes for good.
import BetterSqlite3, { type Database } from "better-sqlite3";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ARTIFACT_NAME, ARTIFACT_VERSION } from "../../catalog/site/artifact.js";
import { AnclaError } from "../../proto/errors.js";
import { ContentStore } from "../catalogs/content-store.js";

export interface Artifact {
  name: string;
  version: string;
  sha256: string;
  size: number;
  pushedBy: string;
  pushedAt: Date;
}

export interface Received {
  artifact: Artifact;
  /** False when this name@version already held exactly these bytes (a repeated push). */
  created: boolean;
}

interface Row {
  name: string;
  version: string;
  sha256: string;
  size: number;
  pushed_by: string;
  pushed_at: number;
}

export class ArtifactStore {
  /** Reads the bytes (FetchContent), in the content store's layout under `dir`. */
  readonly blobs: ContentStore;
  private readonly db: Database;

  /** `dir`: where the bytes go; `databaseFile`: the server's SQLite file, already migrated (openStore). */
  constructor(
    private readonly dir: string,
    databaseFile: string,
  ) {
    this.blobs = new ContentStore(dir);
    // A connection of its own: artifact queries stay here, apart from the node/report store.
    this.db = new BetterSqlite3(databaseFile);
    this.db.pragma("busy_timeout = 5000");
  }

  close(): void {
    this.db.close();
  }

  /** The digest and size pushed as name@version. */
  lookup(name: string, version: string): Artifact | undefined {
    const row = this.db.prepare("SELECT * FROM artifacts WHERE name = ? AND version = ?").get(name, version) as Row | undefined;
    return row && fromRow(row);
  }

  /** Every artifact, by name, newest push first within a name. */
  list(): Artifact[] {
    return (this.db.prepare("SELECT * FROM artifacts ORDER BY name, pushed_at DESC, version").all() as Row[]).map(fromRow);
  }

  /** Streams `body` into the store as name@version; refuses other bytes under a name@version already pushed. */
  async receive(name: string, version: string, body: Readable, pushedBy: string, now = new Date()): Promise<Received> {
    checkName(name, version);
    const { temp, sha256, size } = await this.spool(body);
    try {
      const pushed = this.samePush(name, version, sha256, size);
      if (pushed) return pushed;
      await this.place(temp, sha256);
      // Checked again with the insert, in one synchronous step: a push of the same name racing this one lost or won whole.
      return this.samePush(name, version, sha256, size) ?? this.insert({ name, version, sha256, size, pushedBy, pushedAt: now });
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  /** The earlier push of name@version when it holds these bytes; a conflict when it holds others; undefined when there is none. */
  private samePush(name: string, version: string, sha256: string, size: number): Received | undefined {
    const existing = this.lookup(name, version);
    if (!existing) return undefined;
    if (existing.sha256 !== sha256) {
      throw new AnclaError("ANCLA_E_ARTIFACT_CONFLICT", `${name}@${version} is sha256:${existing.sha256}; these ${size} bytes are sha256:${sha256}. Push them as a new version`);
    }
    return { artifact: existing, created: false };
  }

  private insert(artifact: Artifact): Received {
    const { name, version, sha256, size, pushedBy, pushedAt } = artifact;
    this.db.prepare("INSERT INTO artifacts (name, version, sha256, size, pushed_by, pushed_at) VALUES (?, ?, ?, ?, ?, ?)").run(name, version, sha256, size, pushedBy, pushedAt.getTime());
    return { artifact, created: true };
  }

  /** The body into a temp file beside the store, hashed on the way, flushed to disk. */
  private async spool(body: Readable): Promise<{ temp: string; sha256: string; size: number }> {
    const tmpDir = join(this.dir, "tmp");
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const temp = join(tmpDir, `upload-${randomBytes(8).toString("hex")}`);
    const hash = createHash("sha256");
    let size = 0;
    body.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    try {
      await pipeline(body, createWriteStream(temp, { flags: "wx", mode: 0o644 }));
      const fh = await open(temp, "r");
      await fh.sync().finally(() => fh.close());
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `the upload did not arrive whole (${size} bytes received): ${(err as Error).message}`, { cause: err });
    }
    return { temp, sha256: hash.digest("hex"), size };
  }

  /** Renames the verified temp file to its digest's place, unless those bytes are stored already. */
  private async place(temp: string, sha256: string): Promise<void> {
    // The content store's layout: <dir>/<first two hex>/<sha256>.
    const path = join(this.dir, sha256.slice(0, 2), sha256);
    if (existsSync(path)) return;
    await mkdir(dirname(path), { recursive: true });
    await rename(temp, path);
    const dir = await open(dirname(path), "r");
    await dir.sync().finally(() => dir.close());
  }
}

function checkName(name: string, version: string): void {
  if (!ARTIFACT_NAME.test(name)) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `artifact name ${JSON.stringify(name)}: letters, digits, ".", "_", "-", starting with a letter or digit`);
  if (!ARTIFACT_VERSION.test(version))
    throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `artifact version ${JSON.stringify(version)}: letters, digits, ".", "+", "~", "_", "-", starting with a letter or digit`);
}

function fromRow(r: Row): Artifact {
  return { name: r.name, version: r.version, sha256: r.sha256, size: r.size, pushedBy: r.pushed_by, pushedAt: new Date(r.pushed_at) };
}
