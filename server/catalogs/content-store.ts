// Content addressed by SHA-256 on disk (content/ab/abcdef...), written
// atomically so a crash never leaves a file whose name lies about its bytes.
import { createReadStream, existsSync } from "node:fs";
import { mkdir, open, rename, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";

export const CHUNK_SIZE = 64 * 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

export class ContentStore {
  constructor(private readonly root: string) {}

  /** Where the bytes of `sha256` are (or would be) on disk. */
  pathOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  has(sha256: string): boolean {
    return existsSync(this.pathOf(sha256));
  }

  /** Stores `bytes` under `sha256` (the caller computed it) unless already present. */
  async put(sha256: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(sha256);
    if (existsSync(path)) return;
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
    const fh = await open(tmp, "wx", 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  }

  async size(sha256: string): Promise<number> {
    return (await stat(this.pathOf(sha256))).size;
  }

  /** The bytes from `offset` on, in chunks of at most CHUNK_SIZE. */
  async *read(sha256: string, offset: number): AsyncIterable<{ offset: number; data: Uint8Array }> {
    let position = offset;
    for await (const chunk of createReadStream(this.pathOf(sha256), { start: offset, highWaterMark: CHUNK_SIZE })) {
      const data = chunk as Buffer;
      yield { offset: position, data };
      position += data.length;
    }
  }
}
