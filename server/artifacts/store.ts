// The artifact store: images operators push (`ancla artifact push`), named
// NAME@VERSION in sites and by SHA-256 in catalogs. The bytes live
// content-addressed on disk (<data-dir>/artifacts/ab/abcdef..., the content
// store's layout, so FetchContent serves them the same way); the names live in
// the store's `artifacts` part. An upload streams to a temp file and is
// hashed as it arrives, then renamed into place: a half-written or mislabelled
// artifact never exists. A name@version, once pushed, names its bytes for good.
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ARTIFACT_NAME, ARTIFACT_VERSION } from "../../catalog/site/artifact.js";
import { AnclaError } from "../../core/errors.js";
import { ContentStore } from "../catalogs/content-store.js";
import type { Artifact, Store } from "../store/store.js";

export type { Artifact } from "../store/store.js";

export interface Received {
  artifact: Artifact;
  /** False when this name@version already held exactly these bytes (a repeated push). */
  created: boolean;
}

export class ArtifactStore {
  /** Reads the bytes (FetchContent), in the content store's layout under `dir`. */
  readonly blobs: ContentStore;

  /** `dir`: where the bytes go; `store`: where their names are recorded. */
  constructor(
    private readonly dir: string,
    private readonly store: Pick<Store, "artifacts" | "transaction">,
  ) {
    this.blobs = new ContentStore(dir);
  }

  /** The digest and size pushed as name@version. */
  lookup(name: string, version: string): Promise<Artifact | undefined> {
    return this.store.artifacts.lookup(name, version);
  }

  /** Every artifact, by name, newest push first within a name. */
  list(): Promise<Artifact[]> {
    return this.store.artifacts.list();
  }

  /** Streams `body` into the store as name@version; refuses other bytes under a name@version already pushed. */
  async receive(name: string, version: string, body: Readable, pushedBy: string, now = new Date()): Promise<Received> {
    checkName(name, version);
    const { temp, sha256, size } = await this.spool(body);
    try {
      const pushed = await this.samePush(this.store, name, version, sha256, size);
      if (pushed) return pushed;
      await this.place(temp, sha256);
      // Checked again with the insert, in one transaction: a push of the same name racing this one lost or won whole.
      return await this.store.transaction(async (tx) => {
        const raced = await this.samePush(tx, name, version, sha256, size);
        if (raced) return raced;
        const artifact: Artifact = { name, version, sha256, size, pushedBy, pushedAt: now };
        await tx.artifacts.insert(artifact);
        return { artifact, created: true };
      });
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  /** The earlier push of name@version when it holds these bytes; a conflict when it holds others; undefined when there is none. */
  private async samePush(parts: Pick<Store, "artifacts">, name: string, version: string, sha256: string, size: number): Promise<Received | undefined> {
    const existing = await parts.artifacts.lookup(name, version);
    if (!existing) return undefined;
    if (existing.sha256 !== sha256) {
      throw new AnclaError("ANCLA_E_ARTIFACT_CONFLICT", `${name}@${version} is sha256:${existing.sha256}; these ${size} bytes are sha256:${sha256}. Push them as a new version`);
    }
    return { artifact: existing, created: false };
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
